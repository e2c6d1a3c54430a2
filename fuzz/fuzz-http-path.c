/* fuzz-http-path.c - which file a plain HTTP GET gets: the decoded request
 * path through dsl_http_content_resolve, for the three kinds of content.
 *
 * The folder is made here, once: files, a subfolder (with and without an
 * index.html), links inside it, and links and a neighbour folder outside
 * it (".../www2" shares the root's name as a prefix):
 *
 *   base/secret.txt  base/outside/x.txt  base/www2/secret.txt
 *   base/www/        index.html a.txt sub/index.html sub/b.css empty/
 *                    link-in -> a.txt         sub/up -> ..
 *                    link-out -> ../secret.txt  link-dir-out -> ../outside
 *                    link-abs -> /etc/passwd    link-www2 -> ../www2
 *                    loop -> loop
 *
 * Invariants: the built-in page gives only its own resources; nothing
 * gives nothing; the folder gives only one of its four regular files,
 * by their resolved names, whatever the dots, slashes and links.
 */
#include "fuzz-support.h"
#include "server/dsl-http-content.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUILTIN_PREFIX "/dsl-webrtc/www/"

static DslHttpContent *builtin, *nothing, *folder;
static gchar *base;
static GPtrArray *inside;       /* resolved names the folder may give */

static void
make_file (const gchar * name, const gchar * contents)
{
  g_autofree gchar *path = g_build_filename (base, name, NULL);

  FUZZ_CHECK (g_file_set_contents (path, contents, -1, NULL), "%s", path);
}

static void
make_dir (const gchar * name)
{
  g_autofree gchar *path = g_build_filename (base, name, NULL);

  FUZZ_CHECK (g_mkdir (path, 0700) == 0, "%s", path);
}

static void
make_link (const gchar * name, const gchar * target)
{
  g_autofree gchar *path = g_build_filename (base, name, NULL);

  FUZZ_CHECK (symlink (target, path) == 0, "%s", path);
}

static void
remove_tree (void)
{
  g_autofree gchar *command = g_strdup_printf ("rm -rf '%s'", base);

  if (system (command) != 0)
    fprintf (stderr, "could not remove %s\n", base);
}

static void
expect (DslHttpContent * content, const gchar * path,
    DslHttpResolution resolution, const gchar * name_end)
{
  g_autofree gchar *name = NULL;

  FUZZ_CHECK (dsl_http_content_resolve (content, path, &name) == resolution
      && (!name_end || (name && g_str_has_suffix (name, name_end))),
      "%s gave %s", path, name ? name : "nothing");
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree gchar *made = NULL;
  g_autofree gchar *root = NULL;
  const gchar *files[] = { "index.html", "a.txt", "sub/index.html",
    "sub/b.css"
  };

  fuzz_init ();
  made = g_dir_make_tmp ("dsl-fuzz-http-XXXXXX", NULL);
  FUZZ_CHECK (made != NULL, "no temporary folder");
  base = realpath (made, NULL);
  atexit (remove_tree);

  make_file ("secret.txt", "secret");
  make_dir ("outside");
  make_file ("outside/x.txt", "secret");
  make_dir ("www2");
  make_file ("www2/secret.txt", "secret");
  make_dir ("www");
  make_dir ("www/sub");
  make_dir ("www/empty");
  make_file ("www/index.html", "<p>index</p>");
  make_file ("www/a.txt", "a");
  make_file ("www/sub/index.html", "<p>sub</p>");
  make_file ("www/sub/b.css", "b");
  make_link ("www/link-in", "a.txt");
  make_link ("www/sub/up", "..");
  make_link ("www/link-out", "../secret.txt");
  make_link ("www/link-dir-out", "../outside");
  make_link ("www/link-abs", "/etc/passwd");
  make_link ("www/link-www2", "../www2");
  make_link ("www/loop", "loop");

  root = g_build_filename (base, "www", NULL);
  inside = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_ptr_array_add (inside, g_build_filename (root, files[i], NULL));

  builtin = dsl_http_content_new ();
  nothing = dsl_http_content_new ();
  folder = dsl_http_content_new ();
  FUZZ_CHECK (dsl_http_content_set_root (builtin, NULL), "built-in");
  FUZZ_CHECK (dsl_http_content_set_root (nothing, ""), "nothing");
  FUZZ_CHECK (dsl_http_content_set_root (folder, root), "%s", root);

  /* the harness sees what it should, before any input */
  expect (builtin, "/", DSL_HTTP_RESOURCE, BUILTIN_PREFIX "index.html");
  expect (builtin, "/viewer.js", DSL_HTTP_RESOURCE, "/viewer.js");
  expect (builtin, "/sub/viewer.js", DSL_HTTP_NOT_FOUND, NULL);
  expect (nothing, "/", DSL_HTTP_NOT_FOUND, NULL);
  expect (folder, "/", DSL_HTTP_FILE, "/www/index.html");
  expect (folder, "/link-in", DSL_HTTP_FILE, "/www/a.txt");
  expect (folder, "/sub/up/sub/", DSL_HTTP_FILE, "/www/sub/index.html");
  expect (folder, "/sub/b.css", DSL_HTTP_FILE, "/www/sub/b.css");
  expect (folder, "/link-out", DSL_HTTP_NOT_FOUND, NULL);
  expect (folder, "/link-www2/secret.txt", DSL_HTTP_NOT_FOUND, NULL);
  expect (folder, "/../www2/secret.txt", DSL_HTTP_NOT_FOUND, NULL);
  expect (folder, "/empty", DSL_HTTP_NOT_FOUND, NULL);
  expect (folder, "/loop", DSL_HTTP_NOT_FOUND, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree gchar *path = fuzz_string (data, size);
  g_autofree gchar *name = NULL;
  DslHttpResolution resolution;

  resolution = dsl_http_content_resolve (nothing, path, &name);
  FUZZ_CHECK (resolution == DSL_HTTP_NOT_FOUND && !name,
      "nothing gave '%s'", name);

  resolution = dsl_http_content_resolve (builtin, path, &name);
  if (resolution == DSL_HTTP_RESOURCE) {
    g_autoptr (GBytes) body = NULL;

    FUZZ_CHECK (name && g_str_has_prefix (name, BUILTIN_PREFIX)
        && !strchr (name + strlen (BUILTIN_PREFIX), '/'),
        "'%s' gave resource '%s'", path, name);
    body = g_resources_lookup_data (name, 0, NULL);
    FUZZ_CHECK (body != NULL, "'%s' gave a missing resource '%s'", path,
        name);
  } else {
    FUZZ_CHECK (resolution == DSL_HTTP_NOT_FOUND && !name,
        "'%s' gave %d '%s'", path, resolution, name);
  }
  g_clear_pointer (&name, g_free);

  resolution = dsl_http_content_resolve (folder, path, &name);
  if (resolution == DSL_HTTP_FILE)
    FUZZ_CHECK (name && g_ptr_array_find_with_equal_func (inside, name,
            g_str_equal, NULL), "'%s' gave '%s'", path, name);
  else
    FUZZ_CHECK (resolution == DSL_HTTP_NOT_FOUND && !name,
        "'%s' gave %d '%s'", path, resolution, name);
  return 0;
}
