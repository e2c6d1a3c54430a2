/* dsl-http-content.c */
#include "server/dsl-http-content.h"
#include "core/dsl-log.h"

#define GST_CAT_DEFAULT dsl_server_debug

typedef enum
{
  CONTENT_BUILTIN,
  CONTENT_NONE,
  CONTENT_FOLDER,
} ContentKind;

struct _DslHttpContent
{
  ContentKind kind;
  gchar *folder;
};

DslHttpContent *
dsl_http_content_new (void)
{
  return g_new0 (DslHttpContent, 1);
}

void
dsl_http_content_free (DslHttpContent * self)
{
  g_free (self->folder);
  g_free (self);
}

gboolean
dsl_http_content_set_root (DslHttpContent * self, const gchar * folder)
{
  if (folder && *folder && !g_file_test (folder, G_FILE_TEST_IS_DIR)) {
    GST_ERROR ("HTTP root '%s' is not a folder", folder);
    return FALSE;
  }
  g_clear_pointer (&self->folder, g_free);
  if (!folder) {
    self->kind = CONTENT_BUILTIN;
  } else if (!*folder) {
    self->kind = CONTENT_NONE;
  } else {
    self->kind = CONTENT_FOLDER;
    self->folder = g_canonicalize_filename (folder, NULL);
  }
  return TRUE;
}

void
dsl_http_content_serve (DslHttpContent * self, SoupServerMessage * msg,
    const gchar * path)
{
  GST_DEBUG ("%s %s: 404", soup_server_message_get_method (msg), path);
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}
