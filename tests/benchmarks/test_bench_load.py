"""The load benchmark's agents: a minimal HTTP/1.1 client must count what a real one would."""

from __future__ import annotations

import asyncio

from benchmarks.bench_load import PATH, _Phone, _timed

DROP = b""  # the server drops the connection instead of answering


async def _scripted_server(
    replies: list[tuple[bytes, bool]],
) -> tuple[asyncio.Server, int, list[bytes]]:
    """Answers each request with the next reply, closing the connection after it when told
    (as uvicorn does after its keep-alive timeout, without a ``Connection: close``)."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(b"CONNECT")
        while replies:
            try:
                seen.append(await reader.readuntil(b"\r\n\r\n"))
            except asyncio.IncompleteReadError:
                break
            reply, close_after = replies.pop(0)
            if reply == DROP:
                break
            writer.write(reply)
            await writer.drain()
            if close_after or b"Connection: close" in reply:
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], seen


def _reply(status: str, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"content-length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _session() -> tuple[list[bool], list[bytes]]:
    replies = [
        (_reply("200 OK", b"[]"), False),
        (_reply("200 OK", b'[{"shift":"D08"}]', "Connection: close"), False),
        (_reply("401 Unauthorized", b'{"detail":"not authenticated"}'), False),
        (DROP, False),  # an error
        (_reply("200 OK", b"[]"), True),  # then closed while the agent pauses: no error
        (_reply("200 OK", b"[]"), False),
    ]
    server, port, seen = await _scripted_server(replies)
    phone = _Phone(port, "TOKEN")
    outcomes = []
    for _ in range(6):
        outcomes.append((await _timed(phone))[1])
        await asyncio.sleep(0.05)  # the agent's pause
    phone.close()
    server.close()
    await server.wait_closed()
    return outcomes, seen


def test_agents_send_their_token_reuse_connections_and_count_errors() -> None:
    outcomes, seen = asyncio.run(_session())
    assert outcomes == [True, True, False, False, True, True]
    # one connection per stretch the server keeps open: (200, 200 + close), (401, dropped),
    # (200, closed idle), (200)
    assert [r == b"CONNECT" for r in seen] == [True, False, False, True, False, False,
                                               True, False, True, False]
    requests = [r for r in seen if r != b"CONNECT"]
    assert all(r.startswith(f"GET {PATH} HTTP/1.1\r\n".encode()) for r in requests)
    assert all(b"\r\nAuthorization: Bearer TOKEN\r\n" in r for r in requests)
