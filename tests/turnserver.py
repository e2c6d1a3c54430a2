"""turnserver.py - Debian's coturn on 127.0.0.1 for a test, with a private
configuration: a static user, no CLI, loopback peers allowed (coturn
refuses to relay to 127.0.0.1 without allow-loopback-peers, and refuses
that option while its CLI has no password).

    with TurnServer() as turn:
        turn.url()                  # turn://test:secret@127.0.0.1:PORT
        turn.url('tcp')             # ...?transport=tcp
        turn.log()                  # what coturn logged
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER, PASSWORD, REALM = 'test', 'secret', 'dsl.test'


def available():
    return shutil.which('turnserver') is not None


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class TurnServer:
    def __init__(self, timeout=10):
        self.dir = Path(tempfile.mkdtemp(prefix='dsl-turn-'))
        self.port = _free_port()
        relay = 40000 + self.port % 20000
        config = self.dir / 'turnserver.conf'
        config.write_text('\n'.join([
            'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1',
            'listening-port={}'.format(self.port),
            'min-port={}'.format(relay), 'max-port={}'.format(relay + 50),
            'realm=' + REALM, 'lt-cred-mech',
            'user={}:{}'.format(USER, PASSWORD), 'fingerprint', 'no-tls',
            'no-dtls', 'no-cli', 'allow-loopback-peers', 'no-multicast-peers',
            'pidfile={}'.format(self.dir / 'turnserver.pid'),
            'log-file={}'.format(self.dir / 'turn.log'), 'simple-log', '']))
        self.process = subprocess.Popen(
            ['turnserver', '-c', str(config)], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise RuntimeError('coturn did not listen within {} s'.format(timeout))

    def url(self, transport=None, password=PASSWORD):
        return 'turn://{}:{}@127.0.0.1:{}{}'.format(
            USER, password, self.port,
            '?transport=' + transport if transport else '')

    def log(self):
        try:
            return (self.dir / 'turn.log').read_text(errors='replace')
        except OSError:
            return ''

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
