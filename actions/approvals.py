"""query_application_status: the application_status_form (actions/cases.py) — re-exported here so
the action server's module list stays one module per area."""
from __future__ import annotations

from actions.cases import ActionApplicationStatus, AskApplicationNo, ValidateApplicationStatusForm

__all__ = ["ActionApplicationStatus", "AskApplicationNo", "ValidateApplicationStatusForm"]
