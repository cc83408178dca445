"""Slots on the registry's person and household pages, for the floors above (see stijging/panels.py):
the trajectories floor shows a person's help and rise there, and the household's one plan."""

from stijging.panels import Slot

person_page = Slot("registry.person")  # provider(user, person)
household_page = Slot("registry.household")  # provider(user, household)
