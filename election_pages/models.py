"""The app's models, one module per concern; this module only imports them so that Django
finds every model of the `election_pages` label (no model lives here)."""

from .lifecycle.models import Candidate, Election, Position  # noqa: F401
from .notices.models import NotificationRecipient, NotificationRun  # noqa: F401
from .pages.models import (  # noqa: F401
    ElectionHistoryPage,
    ElectionIndexPage,
    ElectionPage,
    FaqPage,
    HomeElectionMenuItem,
    HomePage,
    HomeSideMenuItem,
    StandardPage,
)
from .results.models import ElectionResult, TallyRun  # noqa: F401
from .secrecy.models import ElectionSupervisor, SupervisorKey  # noqa: F401
from .voting.models import AnonymousBallot, BallotSession, CastBallot, Participation  # noqa: F401
