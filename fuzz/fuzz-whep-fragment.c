/* fuzz-whep-fragment.c - the body of a WHEP viewer's PATCH (a
 * trickle-ice-sdpfrag, RFC 8840), exact bytes into dsl_whep_channel_patch.
 *
 * The channels are real: at start the harness serves HTTP on 127.0.0.1
 * (a SoupServer on an ephemeral port, so run it inside a loopback-only
 * network namespace) and POSTs two offers to itself over a plain socket;
 * its handler makes a channel of each POST with dsl_whep_channel_new, as
 * the WHEP endpoint does after its checks. The POSTs stay unanswered
 * (paused, their connections open) while every input is patched into
 * both: one whose offer named ICE credentials (the ufrag at session level,
 * the password in its first section), one whose offer named none. A
 * handler attached like a session's records the candidates it is given
 * and refuses the one past MAX_CANDIDATES, as a session refuses one too
 * many.
 *
 * Invariants, against an independent reading of dsl-whep-channel.h and
 * RFC 8840: 413 above DSL_WHEP_MAX_FRAGMENT; 400 for what is not UTF-8
 * text without NUL, or holds more than MAX_LINES lines; 422 when a line
 * (trailing white space aside) names a ufrag or password other than the
 * offer's; else every "a=candidate:" line, in order, reaches the handler
 * as "candidate:..." for section 0, and the answer is 204, or 400 with the
 * handler's reason when it refused one (the candidates after it are not
 * given). A reason exactly for an error status; the channel stays open.
 */
#include "fuzz-support.h"
#include "signaling/dsl-sdp-offer.h"
#include "signaling/dsl-whep-channel.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

/* dsl-whep-channel.c's MAX_FRAGMENT_LINES */
#define MAX_LINES 256
/* the handler's limit per fragment */
#define MAX_CANDIDATES 8
#define REFUSAL "one candidate too many"
#define SETUP_SECONDS 10

#define OFFER_HEAD \
  "v=0\r\n" \
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" \
  "s=-\r\n" \
  "t=0 0\r\n"
#define OFFER_VIDEO \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" \
  "c=IN IP4 0.0.0.0\r\n" \
  "a=mid:0\r\n" \
  "a=recvonly\r\n" \
  "a=rtcp-mux\r\n" \
  "a=setup:actpass\r\n" \
  "a=rtpmap:96 VP8/90000\r\n"
#define UFRAG "fzUf"
#define PWD "fuzzpasswordfuzzpassword"

typedef struct
{
  const gchar *name;            /* the resource: /whep/NAME */
  const gchar *offer;
  const gchar *ufrag, *pwd;     /* what the offer named */
  DslSignalingChannel *channel;
  GSocketConnection *post;      /* kept open: the POST waits */
  GPtrArray *candidates;        /* what the handler was given */
} Viewer;

static Viewer viewers[] = {
  {"credentials", OFFER_HEAD "a=ice-ufrag:" UFRAG "\r\n" OFFER_VIDEO
        "a=ice-pwd:" PWD "\r\n", UFRAG, PWD},
  {"none", OFFER_HEAD OFFER_VIDEO, NULL, NULL},
};

static SoupServer *server;

static gboolean
viewer_answer (GstSDPMessage * sdp, gpointer data, GError ** error)
{
  FUZZ_CHECK (FALSE, "a PATCH gave an answer");
  return FALSE;
}

static gboolean
viewer_candidate (guint mline, const gchar * candidate, gpointer data,
    GError ** error)
{
  Viewer *viewer = data;

  FUZZ_CHECK (mline == 0, "a candidate for section %u", mline);
  g_ptr_array_add (viewer->candidates, g_strdup (candidate));
  if (viewer->candidates->len > MAX_CANDIDATES) {
    g_set_error_literal (error, DSL_SIGNALING_ERROR,
        DSL_SIGNALING_ERROR_LIMIT, REFUSAL);
    return FALSE;
  }
  return TRUE;
}

static void
viewer_closed (gpointer data)
{
  FUZZ_CHECK (FALSE, "a PATCH closed the channel of %s",
      ((Viewer *) data)->name);
}

static const DslSignalingChannelHandler handler = {
  viewer_answer, viewer_candidate, viewer_closed
};

/* The server's side of a POST: what the WHEP endpoint does with an offer
 * it accepts. */
static void
post_cb (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  g_autoptr (GBytes) body = soup_message_body_flatten
      (soup_server_message_get_request_body (msg));
  g_autofree gchar *error = NULL;
  GstSDPMessage *offer = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (viewers); i++) {
    Viewer *viewer = &viewers[i];

    if (!g_str_has_prefix (path, "/whep/")
        || strcmp (path + strlen ("/whep/"), viewer->name) != 0)
      continue;
    FUZZ_CHECK (dsl_sdp_offer_parse (g_bytes_get_data (body, NULL),
            g_bytes_get_size (body), &offer, &error)
        && dsl_sdp_offer_wants_video (offer, &error), "%s: %s", path, error);
    viewer->channel = dsl_whep_channel_new (msg, offer, "/ws", path);
    FUZZ_CHECK (viewer->channel != NULL, "no channel");
    viewer->candidates = g_ptr_array_new_with_free_func (g_free);
    dsl_signaling_channel_attach (viewer->channel, &handler, viewer);
    return;
  }
  FUZZ_CHECK (FALSE, "a POST to %s", path);
}

static void
post_offer (Viewer * viewer, guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *request = NULL;
  gint64 deadline;

  viewer->post = g_socket_client_connect_to_host (client, "127.0.0.1", port,
      NULL, &error);
  FUZZ_CHECK (viewer->post != NULL, "connect: %s", error->message);
  request = g_strdup_printf ("POST /whep/%s HTTP/1.1\r\n"
      "Host: 127.0.0.1:%u\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: %zu\r\n\r\n%s", viewer->name, port,
      strlen (viewer->offer), viewer->offer);
  FUZZ_CHECK (g_output_stream_write_all (g_io_stream_get_output_stream
          (G_IO_STREAM (viewer->post)), request, strlen (request), NULL, NULL,
          &error), "write: %s", error->message);
  deadline = g_get_monotonic_time () + SETUP_SECONDS * G_TIME_SPAN_SECOND;
  while (!viewer->channel && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  FUZZ_CHECK (viewer->channel != NULL, "the POST of %s was not served in "
      "%d s", viewer->name, SETUP_SECONDS);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  GSList *uris;
  guint port;

  fuzz_init ();
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/whep", post_cb, NULL, NULL);
  FUZZ_CHECK (soup_server_listen_local (server, 0,
          SOUP_SERVER_LISTEN_IPV4_ONLY, &error), "listen: %s",
      error->message);
  uris = soup_server_get_uris (server);
  FUZZ_CHECK (uris != NULL, "no URI");
  port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  for (guint i = 0; i < G_N_ELEMENTS (viewers); i++)
    post_offer (&viewers[i], port);
  return 0;
}

/* g_strchomp's white space: g_ascii_isspace */
static gsize
chomped_length (const gchar * line, gsize length)
{
  while (length > 0 && g_ascii_isspace (line[length - 1]))
    length--;
  return length;
}

/* line (length bytes) is "a=NAME:" and a value other than expected */
static gboolean
names_other (const gchar * line, gsize length, const gchar * name,
    const gchar * expected)
{
  gsize prefix = strlen (name);

  return expected && length >= prefix && memcmp (line, name, prefix) == 0
      && (length - prefix != strlen (expected)
      || memcmp (line + prefix, expected, length - prefix) != 0);
}

static void
check (Viewer * viewer, const uint8_t * data, size_t size)
{
  const gchar *text = (const gchar *) data;
  g_autofree gchar *reason = NULL;
  g_autoptr (GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  guint status, expected_status = SOUP_STATUS_NO_CONTENT;
  gsize newlines = 0;

  g_ptr_array_set_size (viewer->candidates, 0);
  status = dsl_whep_channel_patch (DSL_WHEP_CHANNEL (viewer->channel), text,
      size, &reason);

  for (gsize i = 0; i < size; i++)
    newlines += data[i] == '\n';
  if (size > DSL_WHEP_MAX_FRAGMENT)
    expected_status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  else if (memchr (data, 0, size) || !g_utf8_validate (text, size, NULL)
      || newlines + 1 > MAX_LINES)
    expected_status = SOUP_STATUS_BAD_REQUEST;
  else {
    /* lines end at "\n" (a "\r" before it is white space) */
    for (gsize start = 0;;) {
      const gchar *line = text + start;
      const gchar *end = memchr (line, '\n', size - start);
      gsize raw = end ? (gsize) (end - line) : size - start;
      gsize length = chomped_length (line, raw);

      if (names_other (line, length, "a=ice-ufrag:", viewer->ufrag)
          || names_other (line, length, "a=ice-pwd:", viewer->pwd))
        expected_status = SOUP_STATUS_UNPROCESSABLE_ENTITY;
      else if (length >= strlen ("a=candidate:")
          && memcmp (line, "a=candidate:", strlen ("a=candidate:")) == 0
          && expected->len <= MAX_CANDIDATES)
        g_ptr_array_add (expected, g_strndup (line + 2, length - 2));
      if (!end)
        break;
      start += raw + 1;
    }
    if (expected_status == SOUP_STATUS_UNPROCESSABLE_ENTITY)
      g_ptr_array_set_size (expected, 0);
    else if (expected->len > MAX_CANDIDATES)
      expected_status = SOUP_STATUS_BAD_REQUEST;
  }

  if (g_getenv ("FUZZ_VERBOSE"))
    fprintf (stderr, "%s: %u, %u candidates (%s)\n", viewer->name, status,
        viewer->candidates->len, reason ? reason : "");
  FUZZ_CHECK (status == expected_status, "%s: status %u, expected %u (%s)",
      viewer->name, status, expected_status, reason);
  FUZZ_CHECK ((status == SOUP_STATUS_NO_CONTENT) == (reason == NULL),
      "%s: status %u with reason %s", viewer->name, status, reason);
  FUZZ_CHECK (!reason || g_utf8_validate (reason, -1, NULL),
      "%s: a reason that is not UTF-8", viewer->name);
  if (status == SOUP_STATUS_BAD_REQUEST && expected->len > MAX_CANDIDATES)
    FUZZ_CHECK (g_str_equal (reason, REFUSAL), "%s: reason %s, expected the "
        "handler's", viewer->name, reason);
  FUZZ_CHECK (viewer->candidates->len == expected->len, "%s: %u candidates "
      "given, expected %u", viewer->name, viewer->candidates->len,
      expected->len);
  for (guint i = 0; i < expected->len; i++)
    FUZZ_CHECK (g_str_equal (viewer->candidates->pdata[i],
            expected->pdata[i]), "%s: candidate %u is \"%s\", expected "
        "\"%s\"", viewer->name, i, (gchar *) viewer->candidates->pdata[i],
        (gchar *) expected->pdata[i]);
  FUZZ_CHECK (dsl_signaling_channel_is_open (viewer->channel),
      "%s: the channel ended", viewer->name);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  for (guint i = 0; i < G_N_ELEMENTS (viewers); i++)
    check (&viewers[i], data, size);
  /* nothing the server should do, but if it has something, now */
  while (g_main_context_iteration (NULL, FALSE));
  return 0;
}
