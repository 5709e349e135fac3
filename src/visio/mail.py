"""Email over SMTP, configured by settings (``VISIO_SMTP_*``): invitations, notices.

Sending blocks (smtplib): call :meth:`Mailer.send` from a worker thread.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from visio.config import Settings
from visio.errors import VisioError

log = logging.getLogger(__name__)


class MailNotConfigured(VisioError):
    code = "mail_not_configured"
    http_status = 409
    default_message = "This server sends no email (VISIO_SMTP_HOST is not set)"


class MailFailed(VisioError):
    code = "mail_failed"
    http_status = 502
    default_message = "The email could not be sent"


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.smtp_host is not None

    def send(self, to: str, subject: str, text: str) -> None:
        """Send a plain-text message.  Raises MailNotConfigured or MailFailed."""
        settings = self.settings
        if settings.smtp_host is None:
            raise MailNotConfigured()
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
        message.set_content(text)
        timeout = settings.smtp_timeout_seconds
        try:
            smtp: smtplib.SMTP
            if settings.smtp_security == "tls":
                smtp = smtplib.SMTP_SSL(
                    settings.smtp_host,
                    settings.smtp_port,
                    timeout=timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
            with smtp:
                if settings.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_username and settings.smtp_password is not None:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("email to %s not sent: %s", to, exc)
            raise MailFailed(f"The email could not be sent: {exc}") from exc
        log.info("email sent to %s: %s", to, subject)
