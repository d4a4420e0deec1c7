using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.RedisBroker.FaultWorker;
using Afirgen.TaskProcessor.RedisBroker.Hosting;
using Microsoft.Extensions.Hosting;

// The engine on the Redis transport with the fleet's task: settings come from the command line
// (--TaskProcessor:RedisBroker:Url=redis://…/1 --TaskProcessor:Redis:Configuration=… --Fleet:Prefix=…).
var builder = Host.CreateApplicationBuilder(args);
builder.AddTaskEngine();
builder.AddRedisBroker();
builder.Services.AddQueueConsumers();
builder.Services.AddDiagnosticTasks();
builder.Services.AddFleetTasks(builder.Configuration);
await builder.Build().RunAsync();
