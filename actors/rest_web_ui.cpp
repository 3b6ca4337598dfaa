// Serves the embedded web UI (see rest_web_ui.h). The handlers only copy bytes
// that live for the whole process, so they need no lock and no actor.
#include "actors/rest_web_ui.h"

#include <httplib.h>

#include <string>

#include "web/web_assets.h"

namespace eddy {

namespace {

void serve(const WebAsset& a, httplib::Response& res) {
  // no-cache: a rebuilt binary's UI is picked up on reload, never mixed with an old one.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(reinterpret_cast<const char*>(a.data), a.size, std::string(a.content_type).c_str());
}

}  // namespace

void add_web_ui_routes(httplib::Server& server) {
  const WebAsset* index = find_web_asset("/index.html");
  if (index != nullptr) {
    server.Get("/", [index](const httplib::Request&, httplib::Response& res) { serve(*index, res); });
  }
  for (const WebAsset& a : web_assets()) {
    // Asset names are plain file names: escape the dots for httplib's regular expressions.
    std::string pattern;
    for (char c : a.path) {
      if (c == '.' || c == '+' || c == '(' || c == ')' || c == '[' || c == ']') pattern += '\\';
      pattern += c;
    }
    const WebAsset* asset = &a;
    server.Get(pattern, [asset](const httplib::Request&, httplib::Response& res) { serve(*asset, res); });
  }
}

}  // namespace eddy
