"""The facade's nouns, sqlite-utils style: ``s.areas``, ``s.sources``, ``s.indicators``, ``s.monitor``, ``s.flows``,
``s.participation``, ``s.study``, ``s.users``, ``s.parties`` and ``s.agreements`` of a :class:`udc.api.Udc`.

Each noun is a small class over the facade it belongs to: it acts as that facade's user, writes to its audit log and
holds the store only for the call, exactly as the core methods do. The rules (who may, what is audited) are the
rulebook's (:func:`udc.privacy.actions.ensure`), never written here. ``ImportOptions`` is exported beside them: it is
the one value ``s.sources.import_table`` takes for its many options.
"""

from udc.facade.areas import Areas
from udc.facade.charging import Charging
from udc.facade.flows import Flows
from udc.facade.indicators import Indicators
from udc.facade.monitor import Monitor
from udc.facade.participation import Participation
from udc.facade.parties import Agreements, Parties
from udc.facade.sources import Sources
from udc.facade.study import Studies
from udc.facade.users import Users
from udc.facade.vacancy import Vacancy
from udc.sources.importer import ImportOptions

__all__ = [
    "Agreements",
    "Areas",
    "Charging",
    "Flows",
    "ImportOptions",
    "Indicators",
    "Monitor",
    "Participation",
    "Parties",
    "Sources",
    "Studies",
    "Users",
    "Vacancy",
]
