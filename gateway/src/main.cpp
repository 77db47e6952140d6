// farm-gateway: everything lives in farm_gateway so tests can drive the same code.
#include "farm/gateway/server.h"

int main(int argc, char** argv) { return farm::gateway::run_cli(argc, argv); }
