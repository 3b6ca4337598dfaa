// Unit tests of the REST API's security helpers (actors/rest_security.h): the
// bearer token check, which bind addresses count as loopback, and the errors
// of loading REST TLS files.
#include <doctest/doctest.h>

#include "actors/rest_security.h"

using namespace eddy;

TEST_CASE("a bearer token matches only the exact token, with the Bearer scheme") {
  const std::string token = "s3cret-token";
  CHECK(bearer_token_matches("Bearer s3cret-token", token));
  CHECK(bearer_token_matches("bearer s3cret-token", token));  // the scheme is case-insensitive (RFC 7235)
  CHECK(bearer_token_matches("Bearer  s3cret-token ", token));
  CHECK_FALSE(bearer_token_matches("Bearer s3cret-tokeN", token));
  CHECK_FALSE(bearer_token_matches("Bearer s3cret-token2", token));
  CHECK_FALSE(bearer_token_matches("Bearer s3cret", token));
  CHECK_FALSE(bearer_token_matches("Bearer ", token));
  CHECK_FALSE(bearer_token_matches("", token));
  CHECK_FALSE(bearer_token_matches("Basic s3cret-token", token));
  CHECK_FALSE(bearer_token_matches("s3cret-token", token));
  CHECK_FALSE(bearer_token_matches("Bearer ", ""));  // no token configured: nothing matches
}

TEST_CASE("REST TLS files that cannot be loaded are named in the error") {
  auto missing = load_server_tls("/nonexistent/rest.pem", "/nonexistent/rest.key", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("/nonexistent/rest.pem") != std::string::npos);
  CHECK(missing.status().message().find("rest.tls.certificate") != std::string::npos);
}
