using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.Api;
using Afirgen.TaskProcessor.Azure.Redis;
using Afirgen.TaskProcessor.Engine.Diagnostics;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Afirgen.TaskProcessor.Functions.Telemetry;
using Afirgen.TaskProcessor.ServiceBus.Hosting;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Functions host: the same engine, tasks and API as the local host, on Service Bus. Wiring only.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication(); // ASP.NET Core integration: HTTP functions take HttpRequest and return IResult

builder.AddEntraIdRedis();     // Azure Managed Redis as the app's identity (TaskProcessor__Redis__Credential/__ClientId); before the engine, which then uses it
builder.AddRedisStores();
builder.AddTaskEngine();       // options from TaskProcessor__* app settings, checked at start-up; results in Redis
builder.AddServiceBusBroker(); // ServiceBusConnection__fullyQualifiedNamespace, the trigger binding's setting too
builder.Services.AddDiagnosticTasks();
builder.AddAfirgenTasks();    // Afirgen__Database/Smtp/Storage/Cache__*; demo mode is off here, so a missing back-end stops the start naming its key
builder.Services.AddTaskSchedule(); // the ScheduleCleanup timer drives it; CleanupSchedule is its schedule
builder.AddAfirgenStatusMirror(); // AFIRGen's background_tasks, when a MySQL connection is configured
builder.Services.AddTaskProcessorApi();
builder.AddAzureMonitorTelemetry();

builder.Build().Run();
