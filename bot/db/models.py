"""Every table of the application database. Domain modules define their models in their own
module; importing them here registers them on ``Base.metadata`` for Alembic."""
from bot.db.base import Base  # noqa: F401
from bot.db.meta import AppMeta  # noqa: F401
from bot.knowledge.tables import CatalogItemRow  # noqa: F401
from bot.approvals.models import Application, ApplicationEvent  # noqa: F401
from bot.disclosure.models import DisclosureAppeal, DisclosureEntry, DisclosureRequest, ReportDraft  # noqa: F401
from bot.auth.models import ApiToken, Department, User  # noqa: F401
from bot.audit.models import AuditEntry, AuditHead  # noqa: F401
from bot.tickets.models import (  # noqa: F401
    AssistedCall, Ticket, TicketEvent, TicketLink, TicketNotification, WorkerLease,
)
from bot.pending.models import PendingMessage  # noqa: F401
from bot.livechat.models import AgentMessage, CannedReply, Handoff  # noqa: F401
from bot.publication.models import PublicAnswer  # noqa: F401
from bot.feedback.models import AnswerRating  # noqa: F401
from bot.supervision.models import NoticeOptOut, SupervisionExplanation, SupervisionNotice, SupervisionState  # noqa: F401
from bot.uploads.models import UploadFile, UploadSession  # noqa: F401
