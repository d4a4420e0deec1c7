using Afirgen.TaskProcessor.Cli;
using Afirgen.TaskProcessor.RedisBroker.FaultWorker;

// afirgen-tasks itself, with the fleet's task added to the host `run` builds: the fault suite and the mixed-fleet
// tests start `run` exactly as ./run.sh does (`run --redis 127.0.0.1:PORT`), with no other settings than a port
// of its own for each instance's API (--urls); anything else they need comes from environment variables
// (TaskProcessor__…, Fleet__Prefix), as it would for the real command.
return await CommandLine.RunAsync(args, builder => builder.Services.AddFleetTasks(builder.Configuration));
