// Unit tests for credentials in connector options (src/connectors/secrets.h).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "connectors/secrets.h"

using namespace eddy;

TEST_CASE("${env:NAME} takes the environment's value; an unset one is named, never a value") {
  std::map<std::string, std::string> env = {{"PGPASS", "s3cret"}, {"USER_A", "alice"}};
  EnvLookup lookup = [&](const std::string& n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  CHECK(*expand_env("${env:PGPASS}", "password", lookup) == "s3cret");
  CHECK(*expand_env("x-${env:USER_A}-${env:USER_A}", "username", lookup) == "x-alice-alice");
  CHECK(*expand_env("plain", "password", lookup) == "plain");
  auto missing = expand_env("${env:NOPE}", "password", lookup);
  REQUIRE(!missing.ok());
  CHECK(missing.status().message().find("'NOPE'") != std::string::npos);
  CHECK(missing.status().message().find("'password'") != std::string::npos);
  CHECK(!expand_env("${env:PGPASS", "password", lookup).ok());
}

TEST_CASE("the password is masked out of messages") {
  CHECK(mask_secret("auth failed for pw hunter2 (hunter2)", "hunter2") == "auth failed for pw *** (***)");
  CHECK(mask_secret("nothing", "") == "nothing");
  CHECK(mask_secret("aaaa", "aa") == "******");
}

TEST_CASE("option keys that hold secrets are recognized") {
  CHECK(is_secret_option("password"));
  CHECK(is_secret_option("properties.sasl.password"));
  CHECK(is_secret_option("Client-Secret"));
  CHECK(is_secret_option("token"));
  CHECK(!is_secret_option("username"));
  CHECK(!is_secret_option("url"));
}
