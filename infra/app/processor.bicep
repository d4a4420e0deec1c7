// One worker group: a Flex Consumption plan and a function app running the task processor package
// with only its own queues' functions enabled (the rest are disabled by app setting), and its own
// Service Bus concurrency and prefetch. All groups deploy the same package.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app.')
param tags { *: string } = {}

@description('azd service name of this app (as in azure.yaml); set as the azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account used as AzureWebJobsStorage and for reports and archives.')
param storageAccountName string

@description('Blob service endpoint of that account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Blob container the deployment package goes to.')
param deploymentContainerName string

@description('Container for generated reports.')
param reportsContainerName string

@description('Container for archived records.')
param archivesContainerName string

@description('Fully qualified Service Bus namespace host name.')
param serviceBusFullyQualifiedNamespace string

@description('Redis host name.')
param redisHostName string

@description('Redis TLS port.')
param redisPort int

@description('Application Insights connection string (not a secret).')
param applicationInsightsConnectionString string

@description('Queues whose functions this app runs; the other queues\' functions are disabled here.')
param queues string[]

@description('Tasks one instance runs at a time (priority gate) and Service Bus maxConcurrentCalls per function.')
@minValue(1)
param concurrency int

@description('Messages prefetched per concurrent call: prefetchCount = concurrency x prefetchMultiplier.')
@minValue(0)
param prefetchMultiplier int

@description('NCRONTAB (with seconds) of the cleanup timer; the timer runs only in the group that owns the cleanup queue.')
param cleanupSchedule string

@description('Memory of each instance in MB.')
param instanceMemoryMB int

@description('Most instances the app scales out to.')
param maximumInstanceCount int

// Function names in Afirgen.TaskProcessor.Functions, per queue; and the timer.
// The documented form AzureWebJobs.<FUNCTION_NAME>.Disabled works on Linux plans as long as the
// function name has no hyphen (see infra/README.md).
var runsCleanupTimer = contains(queues, 'cleanup')

var appSettings = {
  // Functions host storage, by identity.
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  // Service Bus trigger connection, by identity.
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId

  // DefaultAzureCredential in app code picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId

  // Telemetry with Entra ID (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  // Results in Redis, Entra ID auth, TLS, no password.
  TaskProcessor__Redis__Configuration: '${redisHostName}:${redisPort},ssl=True,abortConnect=False'
  TaskProcessor__Redis__Credential: 'managedidentity'
  TaskProcessor__Redis__ClientId: identityClientId

  // Report files and archives.
  TaskProcessor__Blob__ServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
  TaskProcessor__Blob__ReportsContainer: reportsContainerName
  TaskProcessor__Blob__ArchivesContainer: archivesContainerName

  // Celery's concurrency and prefetch multiplier, per worker group.
  TaskProcessor__Worker__Concurrency: string(concurrency)
  TaskProcessor__Worker__PrefetchMultiplier: string(prefetchMultiplier)
  AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls: string(concurrency)
  AzureFunctionsJobHost__extensions__serviceBus__prefetchCount: string(concurrency * prefetchMultiplier)

  // Celery beat's schedule.
  CleanupSchedule: cleanupSchedule

  // `celery worker -Q ...`: this group's queues on, the others off.
  'AzureWebJobs.ProcessDefaultQueue.Disabled': contains(queues, 'default') ? 'false' : 'true'
  'AzureWebJobs.ProcessEmailQueue.Disabled': contains(queues, 'email') ? 'false' : 'true'
  'AzureWebJobs.ProcessReportsQueue.Disabled': contains(queues, 'reports') ? 'false' : 'true'
  'AzureWebJobs.ProcessAnalyticsQueue.Disabled': contains(queues, 'analytics') ? 'false' : 'true'
  'AzureWebJobs.ProcessCleanupQueue.Disabled': contains(queues, 'cleanup') ? 'false' : 'true'
  'AzureWebJobs.ScheduleCleanup.Disabled': runsCleanupTimer ? 'false' : 'true'
}

module plan '../core/host/flex-consumption-plan.bicep' = {
  name: '${serviceName}-plan'
  params: {
    name: planName
    location: location
    tags: tags
  }
}

module functionApp '../core/host/functions-flex-consumption.bicep' = {
  name: '${serviceName}-app'
  params: {
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    appServicePlanId: plan.outputs.resourceId
    identityId: identityId
    deploymentBlobEndpoint: blobEndpoint
    deploymentContainerName: deploymentContainerName
    runtimeName: 'dotnet-isolated'
    runtimeVersion: '10.0'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
  }
}

@description('Name of the function app.')
output name string = functionApp.outputs.name

@description('Resource id of the function app.')
output resourceId string = functionApp.outputs.resourceId

@description('HTTPS base address of the function app.')
output uri string = functionApp.outputs.uri
