/* dsl-tls.h - the WebSocket Server's certificate: loading and checking it.
 *
 * A certificate is checked before the server takes it: it must be within
 * its validity period, and a TLS handshake with itself (a client and a
 * server on a socket pair, in memory) must succeed, which proves the
 * private key is there and matches the certificate.
 */
#ifndef DSL_TLS_H
#define DSL_TLS_H

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  DSL_TLS_OK,
  DSL_TLS_UNREADABLE,          /* a file is missing or cannot be read */
  DSL_TLS_INVALID,             /* not PEM, no key, a key that does not match,
                                * expired or not yet valid, or no TLS here */
} DslTlsCheck;

/* Loads a certificate (chain) and its private key from PEM files. */
DslTlsCheck dsl_tls_load (const gchar * cert_file, const gchar * key_file,
    GTlsCertificate ** certificate, GError ** error);

/* Checks a certificate a caller made. */
DslTlsCheck dsl_tls_check (GTlsCertificate * certificate, GError ** error);

G_END_DECLS

#endif /* DSL_TLS_H */
