/* dsl-websocket-close.c */
#include "server/dsl-websocket-close.h"
#include "core/dsl-log.h"

#include <string.h>

#define GST_CAT_DEFAULT dsl_server_debug

static void
release_on_closed (SoupWebsocketConnection * connection, gpointer unused)
{
  g_signal_handlers_disconnect_by_func (connection, release_on_closed, NULL);
  g_object_unref (connection);
}

/* A close frame holds at most 123 bytes of reason: cut at a character. */
static gchar *
close_reason (const gchar * reason)
{
  const gchar *end = reason;

  while (*end && g_utf8_next_char (end) - reason <= 123)
    end = g_utf8_next_char (end);
  return g_strndup (reason, end - reason);
}

void
dsl_websocket_close_and_release (SoupWebsocketConnection * connection,
    gushort code, const gchar * reason)
{
  g_autofree gchar *cut = close_reason (reason ? reason : "");

  if (soup_websocket_connection_get_state (connection) !=
      SOUP_WEBSOCKET_STATE_OPEN)
    return;
  g_signal_connect (g_object_ref (connection), "closed",
      G_CALLBACK (release_on_closed), NULL);
  soup_websocket_connection_close (connection, code, cut);
}

/* FIN + close opcode, unmasked (server to client), payload = code +
 * reason; control frames are never compressed. Written without blocking:
 * a peer that reads nothing loses it. */
void
dsl_websocket_write_close_frame (GOutputStream * out, gushort code,
    const gchar * reason)
{
  g_autofree gchar *cut = close_reason (reason ? reason : "");
  gsize reason_len = strlen (cut);
  guint8 frame[4 + 123];
  g_autoptr (GError) error = NULL;
  gssize written;

  g_return_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (out));

  frame[0] = 0x88;
  frame[1] = (guint8) (2 + reason_len);
  frame[2] = code >> 8;
  frame[3] = code & 0xff;
  memcpy (frame + 4, cut, reason_len);
  written = g_pollable_output_stream_write_nonblocking
      (G_POLLABLE_OUTPUT_STREAM (out), frame, 4 + reason_len, NULL, &error);
  if (written != (gssize) (4 + reason_len))
    GST_INFO ("could not send close code %u: %s", code,
        error ? error->message : "the peer is not reading");
}

/* libsoup (every version) replaces the codes 1012-1014 of the IANA
 * registry with 1002, so this one frame is written here. */
void
dsl_websocket_close_with_registry_code (SoupWebsocketConnection * connection,
    gushort code, const gchar * reason)
{
  GIOStream *io = soup_websocket_connection_get_io_stream (connection);

  dsl_websocket_write_close_frame (g_io_stream_get_output_stream (io), code,
      reason);
}
