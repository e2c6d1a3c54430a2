"""testcerts.py - a private CA and TLS leaves for 127.0.0.1, made with the
openssl command in a temporary folder, for the tests that need https://
and wss://."""

import base64
import subprocess
import tempfile
from pathlib import Path


class Certificates:
    """A private CA and leaves for 127.0.0.1 in a temporary folder."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix='dsl-security-')
        path = Path(self.folder.name)
        (path / 'leaf.ext').write_text(
            'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n'
            'extendedKeyUsage=serverAuth\n')
        self.openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                     '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
                     '-subj', '/CN=dsl test CA')
        self.openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout',
                     'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1')
        for days, out in (('2', 'leaf.pem'), ('-1', 'expired.pem')):
            self.openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem',
                         '-CAkey', 'ca.key', '-CAcreateserial', '-days', days,
                         '-extfile', 'leaf.ext', '-out', out)
        self.ca = path / 'ca.pem'
        self.cert = path / 'leaf.pem'
        self.key = path / 'leaf.key'
        self.expired = path / 'expired.pem'
        self.path = path
        # what Chromium trusts: base64 of the SHA-256 of the leaf's
        # SubjectPublicKeyInfo
        pubkey = self.openssl('x509', '-in', 'leaf.pem', '-pubkey', '-noout')
        der = self.openssl('pkey', '-pubin', '-outform', 'der', input=pubkey)
        digest = self.openssl('dgst', '-sha256', '-binary', input=der)
        self.spki = base64.b64encode(digest).decode()

    def openssl(self, *args, input=None):
        done = subprocess.run(['openssl', *args], cwd=self.folder.name,
                              input=input, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError('openssl {}: {}'.format(
                ' '.join(args), done.stderr.decode(errors='replace')))
        return done.stdout

    def tls_options(self):
        return ['--tls-cert', self.cert, '--tls-key', self.key]

    def trusting_browser(self):
        return ['--browser-arg',
                '--ignore-certificate-errors-spki-list=' + self.spki]
