"""``influence-sim dashboard``: the Solara app as a server that stops whole."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path

from influence_sim.cli.process import terminate_as_interrupt
from influence_sim.errors import InfluenceSimError
from influence_sim.format.bundled import find_scenario
from influence_sim.format.loading import load_scenario


def dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard on a scenario until Ctrl-C or SIGTERM, then stop the server whole."""
    import importlib.util
    import os

    if importlib.util.find_spec("solara") is None:
        raise InfluenceSimError(
            "the dashboard needs solara: pip install 'influence-sim[dashboard]' "
            "(in a clone of the repository: make dashboard)"
        )
    path = find_scenario(args.file)
    load_scenario(path)  # a bad file is reported here, not in the browser
    _check_port(args.host, args.port)  # before the banner, not in solara's traceback
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    env = {
        **os.environ,
        "INFLUENCE_SIM_SCENARIO": str(Path(path).resolve()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        # Quiet: Mesa's page trips solara's hook check, and a cookie notice for plain
        # http on 127.0.0.1; neither is the user's to act on.
        "SOLARA_CHECK_HOOKS": "off",
        "PYTHONWARNINGS": "ignore::UserWarning",
    }
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", args.host]
    command += ["--port", str(args.port), "--production", "--no-open"]
    command += ["--no-check-version"]  # no request to the package index at run time
    print(f"influence-sim dashboard: http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    return _serve(command, env)


def _serve(command: list[str], env: dict[str, str]) -> int:
    """Run the dashboard's server until it exits or this command is stopped; leave nothing.

    The server (``solara run``) runs in a process group of its own, so that it and
    whatever it starts can be stopped as one. Ctrl-C (SIGINT, which a terminal sends to
    this command's group) and SIGTERM (which a service manager, a container runtime or
    ``kill`` sends to this command alone) stop the command, and with it the server's
    group: SIGTERM, then SIGKILL for what is left after a few seconds. The same happens
    when the command ends for any other reason.

    Returns:
        The server's exit status, or 0 when the command was asked to stop.
    """
    import subprocess

    server: subprocess.Popen[bytes] | None = None
    with terminate_as_interrupt():
        try:  # solara's own banner repeats the address: its standard output is dropped
            server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, process_group=0)
            return server.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if server is not None:
                _stop_group(server)


def _stop_group(leader: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """Stop a process and the rest of the process group it leads: SIGTERM, then SIGKILL.

    A second Ctrl-C or SIGTERM while waiting goes to SIGKILL at once. (On Windows, which
    has no process groups to signal, the process alone.)
    """
    import os
    import signal
    import subprocess

    def stop(hard: bool) -> None:
        if not hasattr(os, "killpg"):  # Windows: terminate() ends the process at once
            if leader.poll() is None:
                leader.terminate()
            return
        with contextlib.suppress(ProcessLookupError):  # the group is gone
            os.killpg(leader.pid, signal.SIGKILL if hard else signal.SIGTERM)

    try:
        stop(hard=False)
        leader.wait(timeout=grace)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        pass
    stop(hard=True)  # what the leader left behind, or the leader itself
    leader.wait()


def _check_port(host: str, port: int) -> None:
    """The dashboard can listen on ``host:port``.

    Raises:
        InfluenceSimError: For a port out of range, an address in use or not this machine's.
    """
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise InfluenceSimError(f"--port {port}: a port is a number from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InfluenceSimError(f"--host {host}: not an address this machine has ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InfluenceSimError(
                    f"{host}:{port} is in use (another dashboard?); stop it, or choose another "
                    "port with --port"
                ) from None
            raise InfluenceSimError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
