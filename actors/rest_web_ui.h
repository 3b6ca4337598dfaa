// The web UI on the REST server: GET / and every file of web/ (built into the
// binary, src/web/web_assets.h). Called by the REST server when it sets up its
// routes (actors/rest_server.cpp), before any route that could match "/".
#pragma once

namespace httplib {
class Server;
}

namespace eddy {

/// Serves "/" (index.html) and "/<file>" for each embedded asset.
void add_web_ui_routes(httplib::Server& server);

}  // namespace eddy
