using HighPerfRnn.Cli;

// hprnn: the HighPerfRnn command-line tool. With no arguments it runs the seed walkthrough.
return HprnnCommandLine.Invoke(args, Console.Out, Console.Error);
