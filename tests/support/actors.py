"""Who acts in the service-level (integration) tests."""

from __future__ import annotations

from domain.values import Actor, Role

GRID_LEAD = Actor("gl-1", Role.GRID_LEAD)
COORDINATOR = Actor("co-1", Role.COORDINATOR)
POLICE_LIAISON = Actor("li-police", Role.LIAISON)
PROPERTY_LIAISON = Actor("li-property", Role.LIAISON)
