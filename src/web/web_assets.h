// The web UI's files (web/*), built into the binary by cmake/embed_web.cmake,
// which generates their definition. Free of CAF and HTTP: actors/rest_web_ui.cpp
// serves them on the REST server.
#pragma once

#include <cstddef>
#include <string_view>

namespace eddy {

/// One file of the UI, as the browser asks for it.
struct WebAsset {
  std::string_view path;          // "/index.html", "/app.js", ...
  std::string_view content_type;  // from the file's extension
  const unsigned char* data;      // the file's bytes
  size_t size;

  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

/// Every asset, in path order.
struct WebAssets {
  const WebAsset* items;
  size_t count;
  const WebAsset* begin() const { return items; }
  const WebAsset* end() const { return items + count; }
};

/// The asset served at `path` ("/" is "/index.html"), or null.
const WebAsset* find_web_asset(std::string_view path);

/// All assets, for registering their routes.
WebAssets web_assets();

}  // namespace eddy
