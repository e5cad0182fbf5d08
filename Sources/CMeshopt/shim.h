// meshoptimizer's C API (libmeshoptimizer-dev). The library is C++ internally; its shared object links libstdc++
// itself, so only -lmeshoptimizer is needed here. The C++ templates of the header are behind __cplusplus.
#include <meshoptimizer.h>
