/*
 * bcryptprimitives.dll for Wine 8.0, which lacks it (scripts/wine-lane.sh).
 *
 * Rust >= 1.78's std gets random bytes (HashMap keys) from ProcessPrng in
 * bcryptprimitives.dll. Wine 8.0 ships no such DLL, so every Rust program
 * for x86_64-pc-windows-gnu fails to start there with status c0000135
 * (STATUS_DLL_NOT_FOUND). This DLL forwards ProcessPrng to advapi32's
 * SystemFunction036 (RtlGenRandom), which Wine has. Built by the lane with
 * `x86_64-w64-mingw32-gcc -shared`; never ship it, never commit the binary.
 */
#include <windows.h>

/* RtlGenRandom: fills `buffer` with `length` random bytes; TRUE on success. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Always TRUE on Windows; the caller aborts on FALSE. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        /* RtlGenRandom takes a 32-bit length: feed it at most 1 GiB a call. */
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
