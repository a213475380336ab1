"""The upload form of the activity records import (`views_import`)."""

from __future__ import annotations

from careershub.activities import imports
from careershub.core.uploads import SpreadsheetUploadForm, spreadsheet_file_field

MAX_MB = imports.MAX_FILE_BYTES // (1024 * 1024)


class ActivityImportForm(SpreadsheetUploadForm):
    max_bytes = imports.MAX_FILE_BYTES
    file = spreadsheet_file_field(
        label="Upload a file of activity records",
        help_text=f"A CSV or Excel (.xlsx) file, up to {MAX_MB} MB and {imports.MAX_ROWS:,} rows.",
    )
