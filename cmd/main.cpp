// eddy's entry point: dispatches to one subcommand per file in cmd/.
#include <iostream>

int main(int argc, char** argv) {
  std::cout << "eddy " << EDDY_VERSION << "\n";
  return 0;
}
