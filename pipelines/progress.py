"""A Dagster logger that prints one short line per step message: the CLI's progress."""

import logging
import sys

import dagster as dg


class _ProgressHandler(logging.Handler):
    """Print asset messages as ``[step] message``; failures and warnings as well."""

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        message = meta.get("orig_message") or record.getMessage()
        if event is not None and record.levelno < logging.WARNING:
            return
        if message.startswith("Dependencies for step"):
            return  # a consequence of a failure already printed; the run summary names it
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        while error is not None and error.cause is not None:
            error = error.cause  # the user's exception, not Dagster's wrapper
        if error is not None:
            message = f"{message} {error.cls_name}: {error.message.strip()}"
        step = meta.get("step_key") or "run"
        stream = sys.stderr if record.levelno >= logging.WARNING else sys.stdout
        print(f"  [{step}] {message}", file=stream, flush=True)


@dg.logger(description="Concise progress for the qcm command: one line per asset message.")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    """A logger at INFO that prints asset messages and any warning or failure."""
    logger = logging.Logger("qcm_progress", level=logging.INFO)
    logger.addHandler(_ProgressHandler())
    return logger
