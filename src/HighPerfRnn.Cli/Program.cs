using System.CommandLine;
using HighPerfRnn.Cli.Commands;

// hprnn: the HighPerfRnn command-line tool. With no arguments it runs the seed walkthrough.
var root = new RootCommand("HighPerfRnn: PyTorch's recurrent layers on the CPU from .NET. With no command, runs the demo.");
Command demo = DemoCommand.Create();
root.Subcommands.Add(demo);
root.SetAction(_ => DemoCommand.Run(Console.Out));
return root.Parse(args).Invoke();
