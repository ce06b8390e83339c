"""The audit's one exception family.

Every error a user can fix (a bad argument, policy, staff CSV, portfolio folder, output folder,
earlier audit, key file or model file) is an `InputError`: its message is one line that names the
file, row or key, and the command line turns it into exit status 2. Anything else that escapes is
a bug: the command line saves its traceback and exits 3. The core raises these plain exceptions;
only `audit.cli` knows about exit codes.

The classes keep their historical built-in bases (ValueError, OSError) so that code catching
those still catches them.
"""

from __future__ import annotations


class AuditError(Exception):
    """Base of every error the audit raises on purpose."""


class InputError(AuditError):
    """Input the user can correct; the message is one line naming the file, row or key."""


class UsageError(InputError):
    """A command-line option or argument that cannot be used as given."""


class PolicyError(InputError, ValueError):
    """A policy file is unreadable or has a bad key or value; the message names file and key."""


class StaffError(InputError, ValueError):
    """The staff CSV cannot be used at all (unreadable, or a required column is missing)."""


class InventoryError(InputError, ValueError):
    """The portfolio folder itself is unusable."""


class CacheError(InputError, OSError):
    """The feature cache folder cannot be used (the audit goes on without it)."""


class OutputError(InputError, OSError):
    """An output file cannot be written (read-only folder, disk full...)."""


class ReportError(InputError, RuntimeError):
    """The report could not be rendered (bad branding option, unreadable logo...)."""


class HistoryError(InputError, ValueError):
    """An earlier audit cannot be read or compared; the message names the file."""


class AnonymizeError(InputError, ValueError):
    """The pseudonym key cannot be read or created; the message names the file."""


class BriefError(InputError, ValueError):
    """The portfolio cannot give a brief (no photos, too few measurable ones, bad format)."""


class EvaluationError(InputError, ValueError):
    """Bad evaluation input; the message names the file (and row) at fault."""


class OnnxModelError(InputError):
    """A user's ONNX model cannot be loaded or does not follow the convention; names the file."""
