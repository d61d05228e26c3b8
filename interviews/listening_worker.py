"""A listening worker process: hands-free microphones decoded and their voice scored, off the server.

The server process (pipeline/listening.py) starts it as `python -m interviews.listening_worker FD`,
FD being the worker's end of a socket pair, and sends it pickled tuples over it
(multiprocessing.connection's framing):

- ("feed", [(stream, chunk), ...]): answered with each stream's windows and probabilities
  (microphone.Heard), or the exception its chunk raised;
- ("open", [(stream, first_chunk), ...]): streams that began in a worker that has since died; their
  recording's first chunk (its header) is heard again and what it gives is dropped;
- ("close", [stream, ...]): streams whose listener is gone.

It holds only microphones (decoders and VAD states); the listeners' decisions stay in the server.
It exits when the server's end of the pair closes, the server's exit included. Nothing here imports
Django.
"""

from __future__ import annotations

import pickle
import signal
import sys
from multiprocessing.connection import Connection

from interviews.microphone import Heard, Microphone, hear_together
from interviews.vad import VAD


def _sendable(result: Heard | Exception) -> Heard | Exception:
    """An exception crosses the pipe as itself if it can (AudioDecodeError, RuntimeError), else
    as a RuntimeError that names it (some of PyAV's errors do not unpickle)."""
    if not isinstance(result, Exception):
        return result
    try:
        pickle.loads(pickle.dumps(result))
    except Exception:
        return RuntimeError(f"{type(result).__name__}: {result}")
    return result


def serve(connection: Connection) -> None:
    microphones: dict[int, Microphone] = {}
    while True:
        try:
            kind, items = connection.recv()
        except EOFError:
            return
        if kind == "feed":
            for stream, _ in items:
                if stream not in microphones:
                    microphones[stream] = Microphone()
            heard_by = [microphones[stream] for stream, _ in items]
            results = hear_together(heard_by, [chunk for _, chunk in items])
            connection.send([_sendable(result) for result in results])
        elif kind == "open":
            for stream, chunk in items:
                microphones[stream] = Microphone()
                hear_together([microphones[stream]], [chunk])  # an error shows at its next feed
        elif kind == "close":
            for stream in items:
                microphone = microphones.pop(stream, None)
                if microphone is not None:
                    microphone.close()


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    # Ctrl-C in a terminal reaches the whole process group: the server stops, and its end of the
    # pair closing is what ends this process (no traceback of its own).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = Connection(int(args[0]))
    VAD.warm()
    serve(connection)


if __name__ == "__main__":
    main()
