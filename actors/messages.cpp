// Registration of the message types every actor system of eddy knows.
#include "caf/all.hpp"
