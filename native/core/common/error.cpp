// Anchors mlpe::Error's vtable in the core library so every module shares one type_info.
#include "common/error.hpp"
