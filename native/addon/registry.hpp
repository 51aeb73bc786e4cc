// Each native/addon/*.cpp registers its exports with MLPE_ADDON_MODULE; addon.cpp calls them all.
// This keeps one file per native concept without a central list to edit.
#pragma once
#include <napi.h>

namespace mlpe::addon {

using InitFn = void (*)(Napi::Env env, Napi::Object exports);

struct Registration {
  Registration(const char* name, InitFn init);
};

void InitAll(Napi::Env env, Napi::Object exports);

}  // namespace mlpe::addon

#define MLPE_ADDON_MODULE(name, init) \
  static ::mlpe::addon::Registration mlpe_addon_registration_##name(#name, init)
