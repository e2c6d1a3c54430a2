/* dsl-test-support.h - helpers shared by the test programs: waiting for
 * events on the main context, a real libsoup 3 WebSocket/HTTP client, and
 * a scriptable Signaling Transceiver. */
#ifndef DSL_TEST_SUPPORT_H
#define DSL_TEST_SUPPORT_H

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "DslApi.h"
#include "server/dsl-signaling-transceiver.h"

G_BEGIN_DECLS

/* Iterates the default main context until cond(data) is TRUE or
 * timeout_ms passes. Returns the last value of cond. */
typedef gboolean (*DslTestCondition) (gpointer data);
gboolean dsl_test_wait_until (DslTestCondition cond, gpointer data,
    guint timeout_ms);

/* The same, for a condition that changes outside the main context (a
 * streaming thread, the kernel): it is checked again every 10 ms. */
gboolean dsl_test_poll_until (DslTestCondition cond, gpointer data,
    guint timeout_ms);

/* Initialises GStreamer and starts the library in a known state. */
void dsl_test_init (int *argc, char ***argv);

/* The WebSocket Server listening on 127.0.0.1 on a free port (asserted);
 * returns the port. */
guint dsl_test_server_start (void);
void dsl_test_server_stop (void);

/* A WebSocket client connection. */
typedef struct
{
  SoupSession *session;
  SoupWebsocketConnection *connection;  /* NULL when the upgrade failed */
  guint http_status;                    /* of the handshake response */
  gboolean done;                        /* the connect attempt finished */
  gboolean closed;
  gushort close_code;
  gchar *close_reason;
  GPtrArray *messages;                  /* gchar* text frames received */
} DslTestClient;

/* Starts a connection to ws://127.0.0.1:port<path> (path may hold a query). */
DslTestClient *dsl_test_client_new (guint port, const gchar * path);
/* Waits until the connect attempt finished; TRUE if it did in time. */
gboolean dsl_test_client_wait_done (DslTestClient * self, guint timeout_ms);
gboolean dsl_test_client_wait_closed (DslTestClient * self, guint timeout_ms);
/* Waits for at least n text messages. */
gboolean dsl_test_client_wait_messages (DslTestClient * self, guint n,
    guint timeout_ms);
void dsl_test_client_free (DslTestClient * self);

/* Opens a WebSocket to ws://127.0.0.1:port<path> with a bare socket and
 * returns the close code of the first close frame the server sends (0 if
 * none within timeout_ms); reason receives its text. libsoup's client
 * turns codes it does not know (such as 1013) into 1002, hence this. */
gushort dsl_test_raw_close_code (guint port, const gchar * path,
    gchar ** reason, guint timeout_ms);

/* Sends a plain HTTP GET of path exactly as given and returns the status
 * (0 on transport error); body and content_type, when not NULL, receive
 * the body and the Content-Type header (unref / g_free them). */
guint dsl_test_http_get (guint port, const gchar * path, GBytes ** body,
    gchar ** content_type);

/* A Signaling Transceiver whose availability the test sets; it records
 * what the server does to it. */
typedef struct
{
  DslSignalingTransceiver base;
  gboolean ready;                       /* available when ready && !channel */
  DslSignalingChannel *channel;         /* the viewer's, until closed */
  gchar *path;
  guint connects;
  guint disconnects;
  gushort last_close_code;
} DslTestTransceiver;

DslTestTransceiver *dsl_test_transceiver_new (gboolean ready);
void dsl_test_transceiver_free (DslTestTransceiver * self);

/* Path of the C test receiver (env DSL_TEST_RECEIVER). */
const gchar *dsl_test_receiver_path (void);

/* A run of the C test receiver in a child process. */
typedef struct
{
  GSubprocess *process;
  gboolean done;
  gint exit_status;
  gchar *output;
  GPtrArray *peers;             /* JsonObject* per peer line */
} DslTestReceiver;

/* Starts dsl-test-receiver --url ws://127.0.0.1:port<path> --peers peers
 * --frames frames, plus extra arguments (NULL-terminated); a path under
 * /whep makes it --whep http://127.0.0.1:port<path> (WHEP players). */
DslTestReceiver *dsl_test_receiver_start (guint port, const gchar * path,
    guint peers, guint frames, const gchar * first_extra, ...);
/* Waits for it to exit while the main context runs; TRUE if it did. */
gboolean dsl_test_receiver_wait (DslTestReceiver * self, guint timeout_ms);
void dsl_test_receiver_free (DslTestReceiver * self);
/* Asserts peer i decoded at least frames frames of width x height. */
void dsl_test_receiver_assert_peer (DslTestReceiver * self, guint i,
    guint frames, guint width, guint height);

/* Counts the buffers that cross one pad of an element inside a
 * component (by names, e.g. "sink", "sink-encoder", "src"), from the
 * moment it is made; the count is safe to read from any thread. */
typedef struct _DslTestPadCounter DslTestPadCounter;

DslTestPadCounter *dsl_test_pad_counter_new_for_pad (GstPad * pad);
DslTestPadCounter *dsl_test_pad_counter_new (const gchar * component,
    const gchar * element, const gchar * pad);
guint64 dsl_test_pad_counter_get (DslTestPadCounter * self);
void dsl_test_pad_counter_free (DslTestPadCounter * self);

/* Threads and file descriptors of this process. */
guint dsl_test_thread_count (void);
guint dsl_test_fd_count (void);

G_END_DECLS

#endif /* DSL_TEST_SUPPORT_H */
