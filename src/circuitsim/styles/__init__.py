"""Matplotlib styles shipped with circuitsim: plt.style.use("circuitsim.styles.talk")."""
