/* dsl-http-content.c */
#include "server/dsl-http-content.h"
#include "core/dsl-log.h"
#include "dsl-www.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define GST_CAT_DEFAULT dsl_server_debug

#define BUILTIN_PREFIX "/dsl-webrtc/www"
#define MAX_FILE_SIZE (64 * 1024 * 1024)

typedef enum
{
  CONTENT_BUILTIN,
  CONTENT_NONE,
  CONTENT_FOLDER,
} ContentKind;

struct _DslHttpContent
{
  ContentKind kind;
  gchar *folder;               /* resolved, without a trailing '/' */
};

DslHttpContent *
dsl_http_content_new (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered)) {
    dsl_www_register_resource ();
    g_once_init_leave (&registered, 1);
  }
  return g_new0 (DslHttpContent, 1);
}

gboolean
dsl_http_content_set_root (DslHttpContent * self, const gchar * folder)
{
  g_autofree gchar *resolved = NULL;

  if (folder && *folder) {
    resolved = realpath (folder, NULL);
    if (!resolved || !g_file_test (resolved, G_FILE_TEST_IS_DIR)) {
      GST_ERROR ("HTTP root '%s' is not a folder", folder);
      return FALSE;
    }
  }
  g_clear_pointer (&self->folder, g_free);
  if (!folder) {
    self->kind = CONTENT_BUILTIN;
  } else if (!*folder) {
    self->kind = CONTENT_NONE;
  } else {
    self->kind = CONTENT_FOLDER;
    self->folder = g_steal_pointer (&resolved);
  }
  return TRUE;
}

static void
respond (SoupServerMessage * msg, GBytes * body, const gchar * name)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gsize size;
  gconstpointer data = g_bytes_get_data (body, &size);
  g_autofree gchar *guess = g_content_type_guess (name, data, size, NULL);
  g_autofree gchar *guessed = g_content_type_get_mime_type (guess);
  g_autofree gchar *mime = NULL;
  const gchar *type = guessed ? guessed : "application/octet-stream";

  /* without shared-mime-info, guessing knows these by content only */
  if (g_str_has_suffix (name, ".js"))
    type = "text/javascript";
  else if (g_str_has_suffix (name, ".css"))
    type = "text/css";
  else if (g_str_has_suffix (name, ".html"))
    type = "text/html";
  mime = g_str_has_prefix (type, "text/") ?
      g_strconcat (type, "; charset=utf-8", NULL) : g_strdup (type);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, mime, SOUP_MEMORY_COPY, data, size);
}

static void
not_found (SoupServerMessage * msg, const gchar * path)
{
  GST_DEBUG ("GET %s: 404", path);
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
serve_resource (SoupServerMessage * msg, const gchar * path,
    const gchar * resource)
{
  g_autoptr (GBytes) body = g_resource_lookup_data (dsl_www_get_resource (),
      resource, 0, NULL);

  if (!body) {
    not_found (msg, path);
    return;
  }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Content-Security-Policy", "default-src 'self'; connect-src 'self' "
      "ws: wss:; img-src 'self' data:; media-src 'self' blob:");
  respond (msg, body, resource);
}

static void
serve_file (SoupServerMessage * msg, const gchar * file)
{
  gchar *contents = NULL;
  gsize length;
  GBytes *body;
  GStatBuf st;

  if (g_stat (file, &st) != 0 || st.st_size > MAX_FILE_SIZE
      || !g_file_get_contents (file, &contents, &length, NULL)) {
    soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
    return;
  }
  body = g_bytes_new_take (contents, length);
  respond (msg, body, file);
  g_bytes_unref (body);
}

/* only the page's own files: no listing, no subfolders */
static gchar *
resolve_builtin (const gchar * path)
{
  g_autofree gchar *resource = NULL;

  /* libsoup's paths start with '/'; anything else is no file of ours */
  if (path[0] != '/' || strchr (path + 1, '/'))
    return NULL;
  resource = g_strconcat (BUILTIN_PREFIX,
      g_str_equal (path, "/") ? "/index.html" : path, NULL);
  if (!g_resource_get_info (dsl_www_get_resource (), resource, 0, NULL, NULL,
          NULL))
    return NULL;
  return g_steal_pointer (&resource);
}

static gboolean
is_inside (const gchar * folder, const gchar * file)
{
  gsize n = strlen (folder);

  return g_str_has_prefix (file, folder)
      && (file[n] == '/' || g_str_equal (folder, "/"));
}

static gchar *
resolve_folder (DslHttpContent * self, const gchar * path)
{
  g_autofree gchar *joined = g_build_filename (self->folder, path, NULL);
  g_autofree gchar *resolved = NULL;
  g_autofree gchar *index = NULL;

  resolved = realpath (joined, NULL);
  if (resolved && g_file_test (resolved, G_FILE_TEST_IS_DIR)) {
    index = g_build_filename (resolved, "index.html", NULL);
    g_free (resolved);
    resolved = realpath (index, NULL);
  }
  /* nothing outside the folder, whatever the links and dots say */
  if (!resolved || !is_inside (self->folder, resolved)
      || !g_file_test (resolved, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&resolved);
}

DslHttpResolution
dsl_http_content_resolve (DslHttpContent * self, const gchar * path,
    gchar ** name)
{
  g_return_val_if_fail (path != NULL && name != NULL, DSL_HTTP_NOT_FOUND);

  *name = NULL;
  switch (self->kind) {
    case CONTENT_NONE:
      break;
    case CONTENT_BUILTIN:
      if ((*name = resolve_builtin (path)))
        return DSL_HTTP_RESOURCE;
      break;
    case CONTENT_FOLDER:
      if ((*name = resolve_folder (self, path)))
        return DSL_HTTP_FILE;
      break;
  }
  return DSL_HTTP_NOT_FOUND;
}

void
dsl_http_content_serve (DslHttpContent * self, SoupServerMessage * msg,
    const gchar * path)
{
  const gchar *method = soup_server_message_get_method (msg);
  g_autofree gchar *name = NULL;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Allow", "GET, HEAD");
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    return;
  }
  switch (dsl_http_content_resolve (self, path, &name)) {
    case DSL_HTTP_NOT_FOUND:
      not_found (msg, path);
      break;
    case DSL_HTTP_RESOURCE:
      serve_resource (msg, path, name);
      break;
    case DSL_HTTP_FILE:
      serve_file (msg, name);
      break;
  }
}
