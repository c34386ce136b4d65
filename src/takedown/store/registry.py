"""Imports every concern's models so `Base.metadata` is complete (Alembic and tests use it).

A new concern with tables adds one import line here.
"""

from takedown.accounts import models as _accounts  # noqa: F401
from takedown.audit import models as _audit  # noqa: F401
from takedown.auth import models as _auth  # noqa: F401
from takedown.banks import models as _banks  # noqa: F401
from takedown.cases import models as _cases  # noqa: F401
from takedown.console import models as _console  # noqa: F401
from takedown.enforcement import models as _enforcement  # noqa: F401
from takedown.evidence import models as _evidence  # noqa: F401
from takedown.exchanges import models as _exchanges  # noqa: F401
from takedown.jobs import models as _jobs  # noqa: F401
from takedown.lookback import models as _lookback  # noqa: F401
from takedown.ncmec import models as _ncmec  # noqa: F401
from takedown.notify import models as _notify  # noqa: F401
from takedown.quality import models as _quality  # noqa: F401
from takedown.reports import models as _reports  # noqa: F401
from takedown.review import models as _review  # noqa: F401
from takedown.scan import models as _scan  # noqa: F401
from takedown.store.base import Base
from takedown.transparency import models as _transparency  # noqa: F401

metadata = Base.metadata
