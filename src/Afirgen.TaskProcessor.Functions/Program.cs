using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Api;
using Afirgen.TaskProcessor.Azure.Redis;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Functions.Telemetry;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Functions host: the same engine, tasks and API as the local host, on Service Bus. Wiring only; options come
// from TaskProcessor__* app settings and are checked at start-up.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // ASP.NET Core integration: HTTP functions take HttpRequest and return IResult

builder.AddTaskProcessor(p => p
    .UseServiceBus()          // ServiceBusConnection__fullyQualifiedNamespace, the trigger binding's setting too
    .UseEntraIdRedis()        // Azure Managed Redis as the app's identity (TaskProcessor__Redis__Credential/__ClientId)
    .UseRedisResults()        // results, monitoring and revocations in that Redis
    .AddDiagnosticTasks()
    .AddAfirgenTasks()        // Afirgen__Database/Smtp/Storage/Cache__*; demo mode is off here, so a missing back-end stops the start naming its key
    .AddSchedule()            // the ScheduleCleanup timer drives it; CleanupSchedule is its schedule
    .AddAfirgenStatusMirror() // AFIRGen's background_tasks, when a MySQL connection is configured
    .AddTaskProcessorApi()
    .AddAzureMonitorTelemetry());

builder.Build().Run();
