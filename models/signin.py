"""The portal's sign-in throttle: failed sign-ins counted per e-mail and per client address over a sliding
window; past the limit, further tries wait until the oldest failure that counts leaves the window. The count is
in the database, so an API behind several processes allows the limit in all, not the limit in each."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from models.tables import SignInFailure, utcnow


@dataclass(frozen=True)
class SignInThrottle:
    per_email: int = 5
    per_address: int = 30
    window: timedelta = timedelta(minutes=15)

    def retry_after(self, session: Session, email: str, address: str, now: datetime | None = None) -> float:
        """Seconds until this e-mail may be tried from this address again; 0 when it may be tried now."""
        now = now or utcnow()
        waits = []
        for kind, key, limit in (("email", email, self.per_email), ("address", address, self.per_address)):
            # The limit-th most recent failure in the window: while it is there, the limit is reached.
            blocking = session.exec(
                select(SignInFailure.at)
                .where(SignInFailure.kind == kind, SignInFailure.key == key, SignInFailure.at > now - self.window)
                .order_by(SignInFailure.at.desc()).offset(limit - 1).limit(1)).first()
            if blocking is not None:
                waits.append((_aware(blocking) + self.window - now).total_seconds())
        return max(waits, default=0.0)

    def failed(self, session: Session, email: str, address: str, now: datetime | None = None) -> None:
        now = now or utcnow()
        session.exec(delete(SignInFailure).where(SignInFailure.at <= now - self.window))  # nothing old is kept
        session.add_all([SignInFailure(kind="email", key=email, at=now),
                         SignInFailure(kind="address", key=address, at=now)])
        session.commit()

    def succeeded(self, session: Session, email: str) -> None:
        session.exec(delete(SignInFailure).where(SignInFailure.kind == "email", SignInFailure.key == email))
        session.commit()


def _aware(moment: datetime) -> datetime:
    # Databases hand back the stored UTC time without its zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
