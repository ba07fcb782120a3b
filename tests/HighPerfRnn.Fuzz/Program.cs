using HighPerfRnn.Fuzz;
using SharpFuzz;

// The fuzz target (docs/fuzzing.md). Modes:
//   (no arguments)          AFL++ mode: afl-fuzz runs this program; each input file is one safetensors file.
//   --libfuzzer             libFuzzer mode, for SharpFuzz's libfuzzer-dotnet driver (which passes one argument,
//                           the dll, so HIGHPERFRNN_FUZZ_ENGINE=libfuzzer selects this mode too).
//   --replay PATH...        runs the target on files (or every file in directories) and reports each outcome;
//                           exit code 1 if any input makes the library throw an undocumented exception.
//   --write-seeds DIR       writes small valid model files, a starting corpus, into DIR.
if (args.Length == 0 && Environment.GetEnvironmentVariable("HIGHPERFRNN_FUZZ_ENGINE") == "libfuzzer")
{
    Fuzzer.LibFuzzer.Run(bytes => LoadTarget.Run(bytes.ToArray()));
    return 0;
}

if (args.Length == 0)
{
    // In-process persistent mode: the runtime and the JIT stay warm between inputs, thousands of executions a second.
    Fuzzer.Run(stream => LoadTarget.Run(LoadTarget.ReadAll(stream)));
    return 0;
}

switch (args[0])
{
    case "--libfuzzer":
        Fuzzer.LibFuzzer.Run(bytes => LoadTarget.Run(bytes.ToArray()));
        return 0;
    case "--replay":
        return Replay.Run(args.Skip(1));
    case "--write-seeds" when args.Length == 2:
        Seeds.Write(args[1]);
        return 0;
    default:
        Console.Error.WriteLine("usage: HighPerfRnn.Fuzz [--libfuzzer | --replay PATH... | --write-seeds DIR]");
        return 2;
}
