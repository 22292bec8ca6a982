"""User accounts: Argon2 password hashes (pwdlib), roles, links to agents."""

from __future__ import annotations

from pwdlib import PasswordHash
from sqlmodel import Session, select

from callcenter.errors import NotFound, Problem, ValidationFailed
from callcenter.models import ROLES, Agent, Centre, User
from callcenter.services.audit import record_audit

_HASHER = PasswordHash.recommended()  # Argon2id with the library's current parameters
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _HASHER.verify(password, password_hash)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    agent_no: str | None = None,
    centre: Centre | None = None,
    actor: str = "system",
) -> User:
    """Create an account; an agent account is linked to its agent record."""
    where = f"user {username}"
    problems = []
    if role not in ROLES:
        problems.append(Problem(where, "role", role, f"must be one of {', '.join(ROLES)}"))
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                where, "password", "***", f"must have at least {MIN_PASSWORD_LENGTH} characters"
            )
        )
    if session.exec(select(User).where(User.username == username)).first() is not None:
        problems.append(Problem(where, "username", username, "is taken"))
    agent: Agent | None = None
    if role == "agent":
        if agent_no is None:
            problems.append(Problem(where, "agent", "", "an agent account needs --agent"))
        else:
            agent = session.exec(select(Agent).where(Agent.employee_no == agent_no)).first()
            if agent is None:
                problems.append(Problem(where, "agent", agent_no, "unknown agent"))
    if problems:
        raise ValidationFailed(where, problems)
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        agent_id=None if agent is None else agent.id,
        centre_id=agent.centre_id if agent is not None else (None if centre is None else centre.id),
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        after={"username": username, "role": role, "agent": agent_no},
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for unknown and wrong)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        _HASHER.hash(password)  # spend the same time as a real check
        return None
    if not user.active or not verify_password(password, user.password_hash):
        return None
    return user


def agent_of(session: Session, user: User) -> Agent:
    if user.agent_id is None:
        raise NotFound(f"user {user.username} is not linked to an agent")
    agent = session.get(Agent, user.agent_id)
    if agent is None:
        raise NotFound(f"user {user.username} is not linked to an agent")
    return agent
