// The web UI's files as cmake/embed_web.cmake built them into the binary.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "web/web_assets.h"

using namespace eddy;

namespace {
std::string read_source(const std::string& name) {
  std::ifstream in(std::string(EDDY_SOURCE_DIR) + "/web/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("every file of web/ is embedded byte for byte with its content type") {
  int n = 0;
  for (const WebAsset& a : web_assets()) {
    CAPTURE(a.path);
    CHECK(a.bytes() == read_source(std::string(a.path.substr(1))));
    CHECK(!a.content_type.empty());
    ++n;
  }
  CHECK(n >= 3);
  REQUIRE(find_web_asset("/app.js") != nullptr);
  CHECK(find_web_asset("/app.js")->content_type == "text/javascript; charset=utf-8");
  CHECK(find_web_asset("/style.css")->content_type == "text/css; charset=utf-8");
}

TEST_CASE("the root is index.html and an unknown path is not an asset") {
  const WebAsset* root = find_web_asset("/");
  REQUIRE(root != nullptr);
  CHECK(root->path == "/index.html");
  CHECK(root->content_type == "text/html; charset=utf-8");
  CHECK(root->bytes().find("data-ready") != std::string_view::npos);
  CHECK(find_web_asset("/nope.js") == nullptr);
  CHECK(find_web_asset("/../CMakeLists.txt") == nullptr);
  CHECK(find_web_asset("") == nullptr);
}
