"""Email to viewers (reset links, registration notices): a mail server's failure is logged, never answered.

An answer that failed only when a message was sent would tell which emails have accounts, and a mail
server being down is no reason for a 500.
"""

import logging

from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def viewer_mail_send(*, to: str, subject: str, message: str) -> bool:
    """Sends one plain-text email from DEFAULT_FROM_EMAIL; False (and a logged error) when it could not go."""
    try:
        send_mail(subject=subject, message=message, from_email=None, recipient_list=[to])
    except Exception:
        logger.exception("could not send %r", subject)
        return False
    return True
