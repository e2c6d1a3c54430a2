/* dsl-whep-channel.c - see dsl-whep-channel.h */
#include "signaling/dsl-whep-channel.h"
#include "signaling/dsl-ice-server.h"
#include "core/dsl-log.h"

#include <string.h>

#define GST_CAT_DEFAULT dsl_server_debug

/* per viewer, like a WebSocket viewer's (dsl-signaling-message.h) */
#define MAX_FRAGMENT_LINES 256

struct _DslWhepChannel
{
  DslSignalingChannel parent;
  SoupServerMessage *post;     /* paused, until answered or refused */
  gchar *location;
  gchar *ufrag, *pwd;          /* the offer's: a PATCH with others restarts */
  gboolean ended;
  gboolean deleted;
};

G_DEFINE_FINAL_TYPE (DslWhepChannel, dsl_whep_channel,
    DSL_TYPE_SIGNALING_CHANNEL)

/* An offer's ICE credential: at session level, or in its first section. */
static gchar *
offer_attribute (const GstSDPMessage * offer, const gchar * name)
{
  const gchar *value = gst_sdp_message_get_attribute_val (offer, name);

  if (!value && gst_sdp_message_medias_len (offer) > 0)
    value = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media
        (offer, 0), name);
  return g_strdup (value);
}

/* The POST is answered: it may go, and we stop watching it. */
static void
release_post (DslWhepChannel * self)
{
  if (!self->post)
    return;
  g_signal_handlers_disconnect_by_data (self->post, self);
  soup_server_message_unpause (self->post);
  g_clear_object (&self->post);
}

static void
refuse_post (DslWhepChannel * self, guint status, const gchar * reason)
{
  g_autofree gchar *body = g_strdup_printf ("%s\n", reason ? reason :
      soup_status_get_phrase (status));
  SoupMessageHeaders *headers =
      soup_server_message_get_response_headers (self->post);

  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    soup_message_headers_replace (headers, "Retry-After", "5");
  soup_server_message_set_status (self->post, status, NULL);
  soup_server_message_set_response (self->post, "text/plain; charset=utf-8",
      SOUP_MEMORY_COPY, body, strlen (body));
  release_post (self);
}

/* An HTTP quoted-string (RFC 9110): a credential may hold '"' or '\\';
 * control characters, which no header may carry, are dropped. */
static gchar *
quoted (const gchar * text)
{
  GString *out = g_string_new ("\"");

  for (const gchar * c = text; *c; c++) {
    if ((guchar) * c < 0x20 || *c == 0x7f)
      continue;
    if (*c == '"' || *c == '\\')
      g_string_append_c (out, '\\');
    g_string_append_c (out, *c);
  }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static void
add_link (SoupMessageHeaders * headers, const gchar * uri)
{
  DslIceServer server;
  g_autofree gchar *link = NULL;

  if (!dsl_ice_server_parse (uri, &server))
    return;
  /* draft-ietf-wish-whep: Link headers with rel="ice-server" */
  if (server.username) {
    g_autofree gchar *username = quoted (server.username);
    g_autofree gchar *credential = quoted (server.credential);

    link = g_strdup_printf ("<%s>; rel=\"ice-server\"; username=%s; "
        "credential=%s; credential-type=\"password\"", server.url, username,
        credential);
  }
  else
    link = g_strdup_printf ("<%s>; rel=\"ice-server\"", server.url);
  soup_message_headers_append (headers, "Link", link);
  dsl_ice_server_clear (&server);
}

static void
channel_send_description (DslSignalingChannel * channel, const gchar * type,
    const GstSDPMessage * sdp, const DslIceServers * servers)
{
  DslWhepChannel *self = DSL_WHEP_CHANNEL (channel);
  SoupMessageHeaders *headers;
  gchar *text;

  /* WHEP: the viewer offers, we answer, once */
  g_return_if_fail (g_str_equal (type, "answer"));
  if (!self->post)
    return;
  headers = soup_server_message_get_response_headers (self->post);
  text = gst_sdp_message_as_text (sdp);
  soup_message_headers_replace (headers, "Location", self->location);
  soup_message_headers_replace (headers, "Accept-Patch",
      "application/trickle-ice-sdpfrag");
  add_link (headers, servers->stun_server);
  add_link (headers, servers->turn_server);
  soup_server_message_set_status (self->post, SOUP_STATUS_CREATED, NULL);
  soup_server_message_set_response (self->post, "application/sdp",
      SOUP_MEMORY_TAKE, text, strlen (text));
  GST_INFO ("%s: answered (%s)", self->location,
      dsl_signaling_channel_get_path (channel));
  release_post (self);
}

static void
channel_send_candidate (DslSignalingChannel * channel, guint mline,
    const gchar * candidate)
{
  /* never called: the channel cannot trickle (see new) */
}

static void
channel_send_error (DslSignalingChannel * channel, const gchar * message)
{
  /* nothing to carry it: a PATCH learns of its own errors */
  GST_WARNING ("%s: %s", DSL_WHEP_CHANNEL (channel)->location, message);
}

/* What an unanswered POST learns of a session that ended. */
static guint
status_of_close (gushort code)
{
  switch (code) {
    case DSL_CLOSE_UNSUPPORTED_DATA:
      return SOUP_STATUS_UNPROCESSABLE_ENTITY;
    case DSL_CLOSE_POLICY_VIOLATION:
      return SOUP_STATUS_BAD_REQUEST;
    case DSL_CLOSE_NORMAL:
    case DSL_CLOSE_GOING_AWAY:
    case DSL_CLOSE_TRY_AGAIN_LATER:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  }
}

static void
channel_close (DslSignalingChannel * channel, gushort code,
    const gchar * reason)
{
  DslWhepChannel *self = DSL_WHEP_CHANNEL (channel);

  self->ended = TRUE;
  if (self->post)
    refuse_post (self, status_of_close (code), reason);
  GST_INFO ("%s: ended (code %u: %s)", self->location, code,
      reason ? reason : "");
}

static gboolean
channel_is_open (DslSignalingChannel * channel)
{
  return !DSL_WHEP_CHANNEL (channel)->ended;
}

/* The POST's connection went before the answer: the viewer left. */
static void
post_disconnected_cb (SoupServerMessage * msg, gpointer data)
{
  DslWhepChannel *self = data;

  GST_INFO ("%s: the viewer went before the answer", self->location);
  g_signal_handlers_disconnect_by_data (self->post, self);
  g_clear_object (&self->post);
  self->ended = TRUE;
  dsl_signaling_channel_peer_closed (DSL_SIGNALING_CHANNEL (self));
}

guint
dsl_whep_channel_patch (DslWhepChannel * self, const gchar * fragment,
    gsize length, gchar ** reason)
{
  DslSignalingChannel *channel = DSL_SIGNALING_CHANNEL (self);
  g_auto (GStrv) lines = NULL;
  g_autofree gchar *text = NULL;
  guint count = 0;

  g_return_val_if_fail (DSL_IS_WHEP_CHANNEL (self), SOUP_STATUS_NOT_FOUND);
  if (length > DSL_WHEP_MAX_FRAGMENT) {
    *reason = g_strdup_printf ("a fragment larger than %d bytes",
        DSL_WHEP_MAX_FRAGMENT);
    return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
  }
  if (memchr (fragment, '\0', length) || !g_utf8_validate (fragment, length,
          NULL)) {
    *reason = g_strdup ("the fragment is not text");
    return SOUP_STATUS_BAD_REQUEST;
  }
  text = g_strndup (fragment, length);
  lines = g_strsplit (text, "\n", MAX_FRAGMENT_LINES + 1);
  if (g_strv_length (lines) > MAX_FRAGMENT_LINES) {
    *reason = g_strdup ("too many lines");
    return SOUP_STATUS_BAD_REQUEST;
  }
  /* an ICE restart names new credentials: not done here (RFC 8840
   * fragments name the current ones, or none) */
  for (gchar ** l = lines; *l; l++) {
    g_strchomp (*l);
    if ((g_str_has_prefix (*l, "a=ice-ufrag:") && self->ufrag
            && !g_str_equal (*l + strlen ("a=ice-ufrag:"), self->ufrag))
        || (g_str_has_prefix (*l, "a=ice-pwd:") && self->pwd
            && !g_str_equal (*l + strlen ("a=ice-pwd:"), self->pwd))) {
      *reason = g_strdup ("ICE restarts are not supported");
      return SOUP_STATUS_UNPROCESSABLE_ENTITY;
    }
  }
  for (gchar ** l = lines; *l; l++) {
    g_autoptr (GError) error = NULL;
    const gchar *candidate;

    if (!g_str_has_prefix (*l, "a=candidate:"))
      continue;
    candidate = *l + strlen ("a=");
    count++;
    /* one bundled transport: every candidate is the first section's */
    if (!dsl_signaling_channel_receive_candidate (channel, 0, candidate,
            &error)) {
      *reason = g_strdup (error->message);
      return SOUP_STATUS_BAD_REQUEST;
    }
  }
  GST_DEBUG ("%s: %u candidates trickled", self->location, count);
  return SOUP_STATUS_NO_CONTENT;
}

void
dsl_whep_channel_delete (DslWhepChannel * self)
{
  g_return_if_fail (DSL_IS_WHEP_CHANNEL (self));
  GST_INFO ("%s: deleted by the viewer", self->location);
  self->ended = TRUE;
  self->deleted = TRUE;
  if (self->post)
    refuse_post (self, SOUP_STATUS_SERVICE_UNAVAILABLE, "deleted");
  dsl_signaling_channel_peer_closed (DSL_SIGNALING_CHANNEL (self));
}

gboolean
dsl_whep_channel_is_deleted (DslWhepChannel * self)
{
  g_return_val_if_fail (DSL_IS_WHEP_CHANNEL (self), FALSE);
  return self->deleted;
}

const gchar *
dsl_whep_channel_get_location (DslWhepChannel * self)
{
  g_return_val_if_fail (DSL_IS_WHEP_CHANNEL (self), NULL);
  return self->location;
}

static void
dsl_whep_channel_dispose (GObject * object)
{
  DslWhepChannel *self = DSL_WHEP_CHANNEL (object);

  if (self->post)
    refuse_post (self, SOUP_STATUS_SERVICE_UNAVAILABLE, "no answer");
  G_OBJECT_CLASS (dsl_whep_channel_parent_class)->dispose (object);
}

static void
dsl_whep_channel_finalize (GObject * object)
{
  DslWhepChannel *self = DSL_WHEP_CHANNEL (object);

  g_free (self->location);
  g_free (self->ufrag);
  g_free (self->pwd);
  G_OBJECT_CLASS (dsl_whep_channel_parent_class)->finalize (object);
}

static void
dsl_whep_channel_class_init (DslWhepChannelClass * klass)
{
  DslSignalingChannelClass *channel_class = DSL_SIGNALING_CHANNEL_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dsl_whep_channel_dispose;
  G_OBJECT_CLASS (klass)->finalize = dsl_whep_channel_finalize;
  channel_class->send_description = channel_send_description;
  channel_class->send_candidate = channel_send_candidate;
  channel_class->send_error = channel_send_error;
  channel_class->close = channel_close;
  channel_class->is_open = channel_is_open;
}

static void
dsl_whep_channel_init (DslWhepChannel * self)
{
}

DslSignalingChannel *
dsl_whep_channel_new (SoupServerMessage * post, GstSDPMessage * offer,
    const gchar * path, const gchar * location)
{
  DslWhepChannel *self;
  DslSignalingChannel *channel;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (post) && offer && path
      && location, NULL);
  self = g_object_new (DSL_TYPE_WHEP_CHANNEL, NULL);
  channel = DSL_SIGNALING_CHANNEL (self);
  self->location = g_strdup (location);
  self->ufrag = offer_attribute (offer, "ice-ufrag");
  self->pwd = offer_attribute (offer, "ice-pwd");
  dsl_signaling_channel_set_path (channel, path);
  dsl_signaling_channel_set_remote_offer (channel, offer);
  dsl_signaling_channel_set_can_trickle (channel, FALSE);
  self->post = g_object_ref (post);
  soup_server_message_pause (post);
  g_signal_connect (post, "disconnected", G_CALLBACK (post_disconnected_cb),
      self);
  return channel;
}
