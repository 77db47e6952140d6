// Scenes built in code for tests whose answer is known analytically.
#pragma once

#include "farm/scene/scene.h"

namespace farm::test {

// A diffuse white sphere (Lambert only) inside a uniform white environment: every pixel
// must come out 1.0 (the white furnace).
scene::Scene furnace_scene();

// An infinite-looking Lambertian plane (albedo 0.5, y = 0) lit by a directional light of
// irradiance 2 arriving 60 degrees from the normal, seen from above, black environment.
// Every pixel that sees the plane is albedo / pi * E * cos(theta).
scene::Scene lit_plane_scene(float albedo, float irradiance, float theta);

}  // namespace farm::test
