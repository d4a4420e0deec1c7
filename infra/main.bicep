// AFIRGen task processor: everything `azd up` provisions.
// Service Bus (the broker), Azure Managed Redis (results), Storage (host, packages, reports, archives),
// Log Analytics + Application Insights, one user-assigned identity, a Key Vault for AFIRGen's own
// secrets, and one Flex Consumption function app per worker group. All Azure access is by Entra ID; the
// only secrets (AFIRGen's MySQL connection string, the SMTP password) live in the Key Vault and reach
// the apps as Key Vault references, never as plain app settings. With enablePrivateNetworking, the apps
// are integrated into a virtual network and reach Service Bus, Storage, Key Vault and Redis only through
// private endpoints; those resources then refuse the public internet.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds the resource token and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Primary location for all resources (a region that offers Flex Consumption and Azure Managed Redis).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); gets data access for local development. Empty: none.')
param principalId string = ''

@description('Type of that principal: User for a person, ServicePrincipal when a pipeline runs azd.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Resource group name; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Private networking: a virtual network the apps are integrated into (each in its own subnet, going out through a NAT gateway with one static IP), private endpoints and private DNS zones for Service Bus, Storage (blob, table), Key Vault and Redis, and public network access disabled on those four. Service Bus is then Premium (private endpoints need it), whatever serviceBusSkuName says.')
param enablePrivateNetworking bool = false

@description('Address space of the virtual network when enablePrivateNetworking is true: its first /24 holds the private endpoints, the next ones one worker group each.')
param virtualNetworkAddressPrefix string = '10.40.0.0/16'

@description('Service Bus tier. Standard is pay-per-operation; Premium is dedicated capacity (and the only tier with private endpoints: enablePrivateNetworking chooses it).')
@allowed([
  'Standard'
  'Premium'
])
param serviceBusSkuName string = 'Standard'

@description('Messaging units when serviceBusSkuName is Premium.')
@allowed([
  1
  2
  4
  8
  16
])
param serviceBusPremiumMessagingUnits int = 1

@description('Peek-lock duration of every queue (ISO 8601, at most PT5M). The app renews locks while a task runs.')
param queueLockDuration string = 'PT5M'

@description('Deliveries after which a message is dead-lettered.')
@minValue(1)
@maxValue(2000)
param queueMaxDeliveryCount int = 10

@description('Duplicate detection window of every queue (ISO 8601).')
param queueDuplicateDetectionWindow string = 'PT10M'

@description('Default time to live of a message (ISO 8601); expired messages are dead-lettered.')
param queueDefaultMessageTimeToLive string = 'P14D'

@description('Azure Managed Redis SKU.')
param redisSkuName string = 'Balanced_B0'

@description('Redis high availability (a replica; doubles the price).')
@allowed([
  'Enabled'
  'Disabled'
])
param redisHighAvailability string = 'Disabled'

@description('Storage replication SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days before an archive blob moves to the Cool tier.')
@minValue(1)
param archiveCoolAfterDays int = 30

@description('Days before an archive blob moves to the Archive tier (0 = never).')
@minValue(0)
param archiveArchiveAfterDays int = 180

@description('Days before an archive blob is deleted (0 = keep forever).')
@minValue(0)
param archiveDeleteAfterDays int = 0

@description('Days a deleted Key Vault or secret stays recoverable (7-90). Purge protection is on, so this is also how long the vault\'s name stays taken after `azd down --purge`. Fixed when the vault is created.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Instance memory (MB) of a worker group that does not set its own.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum instance count of a worker group that does not set its own.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Messages prefetched per concurrent call when a worker group does not set its own (Celery prefetch multiplier).')
@minValue(0)
param prefetchMultiplier int = 4

@description('NCRONTAB (with seconds) of the cleanup timer (Celery beat); runs in the group that owns the cleanup queue.')
param cleanupSchedule string = '0 0 2 * * *'

@secure()
@description('AFIRGen\'s MySQL connection string (azd env set AFIRGEN_DATABASE_CONNECTION_STRING). Stored in the Key Vault; empty: no secret and no setting, and the apps stop at start-up saying Afirgen:Database:ConnectionString is not set.')
param afirgenDatabaseConnectionString string = ''

@description('SMTP server AFIRGen\'s mail goes out through (azd env set AFIRGEN_SMTP_HOST). Empty: the apps stop at start-up saying Afirgen:Smtp:Host is not set.')
param smtpHost string = ''

@description('SMTP port, as text (azd passes environment values as text): 587 for STARTTLS, 465 for TLS on connect.')
param smtpPort string = '587'

@description('SMTP transport security.')
@allowed([
  'StartTls'
  'SslOnConnect'
  'Auto'
  'None'
])
param smtpSecurity string = 'StartTls'

@description('Sender of AFIRGen\'s mail, e.g. AFIRGen <no-reply@afirgen.example>.')
param smtpFrom string = 'AFIRGen <no-reply@afirgen.invalid>'

@description('SMTP user for AUTH; empty: no authentication (a relay that trusts the sender).')
param smtpUserName string = ''

@secure()
@description('Password of the SMTP user (azd env set AFIRGEN_SMTP_PASSWORD). Stored in the Key Vault; empty: no secret and no setting (needed only with smtpUserName).')
param smtpPassword string = ''

@description('Worker groups: one function app each, same package, each running only its queues.')
param workerGroups workerGroup[] = [
  {
    name: 'general'
    queues: [
      'default'
      'email'
      'analytics'
    ]
    concurrency: 16
  }
  {
    name: 'reports'
    queues: [
      'reports'
      'cleanup'
    ]
    concurrency: 2
  }
]

@description('A queue of the routing configuration.')
type queueName = 'default' | 'email' | 'reports' | 'analytics' | 'cleanup'

@description('A worker group: what `celery worker -Q <queues> --concurrency <n>` was.')
type workerGroup = {
  @description('Short lower-case name (letters, digits, hyphens); the azd service is processor-<name>.')
  @minLength(1)
  @maxLength(16)
  name: string

  @description('Queues this group runs. Every queue should belong to exactly one group.')
  queues: queueName[]

  @description('Tasks an instance runs at once (priority gate) and Service Bus maxConcurrentCalls per function.')
  @minValue(1)
  concurrency: int

  @description('Prefetch multiplier; default: the prefetchMultiplier parameter.')
  @minValue(0)
  prefetchMultiplier: int?

  @description('Instance memory in MB; default: the instanceMemoryMB parameter.')
  instanceMemoryMB: (512 | 2048 | 4096)?

  @description('Maximum instance count; default: the maximumInstanceCount parameter.')
  @minValue(1)
  @maxValue(1000)
  maximumInstanceCount: int?
}

// The routing configuration's queues, in its order (default priorities: 5, 3, 5, 2, 1).
var queueNames = [
  'default'
  'email'
  'reports'
  'analytics'
  'cleanup'
]
// Service Bus has no message priority: each queue also has a high lane, <queue>-high, for priorities 7-10
// (TaskProcessor:Routing:Queues:<name>:Lanes), created with the same settings; a worker group runs both.
var serviceBusQueueNames = flatten(map(queueNames, queue => ['${queue}-high', queue]))

// Blob containers the AFIRGen tasks write to (the code's defaults for Afirgen:Storage:ReportsContainer
// and ArchiveContainer, so that local and Azure runs use the same names).
var reportsContainerName = 'reports'
var archiveContainerName = 'fir-archive'

// Key Vault secrets; the app settings refer to them by these names.
var databaseConnectionStringSecretName = 'afirgen-database-connection-string'
var smtpPasswordSecretName = 'afirgen-smtp-password'

// Built-in role definition ids.
var serviceBusDataReceiverRoleId = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
var serviceBusDataSenderRoleId = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var identityName = '${abbrs.managedIdentityUserAssignedIdentities}processor-${resourceToken}'
var logAnalyticsName = '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var serviceBusNamespaceName = '${abbrs.serviceBusNamespaces}${resourceToken}'
var redisName = '${abbrs.cacheRedisEnterprise}${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var virtualNetworkName = '${abbrs.networkVirtualNetworks}${resourceToken}'
var natGatewayName = '${abbrs.networkNatGateways}${resourceToken}'

// Private networking: who refuses the internet, and the Service Bus tier that has private endpoints.
var publicNetworkAccess = enablePrivateNetworking ? 'Disabled' : 'Enabled'
var effectiveServiceBusSkuName = enablePrivateNetworking ? 'Premium' : serviceBusSkuName

// A private endpoint and DNS zone per service the apps reach. Storage: blob for the host (keys, locks,
// the deployment package) and the tasks' reports and archives; table for the host's diagnostic events.
// No queue or file endpoint: nothing here uses queues (no blob trigger, no Durable Functions), and Flex
// Consumption keeps no content share.
var privateEndpointServices = [
  {
    name: 'servicebus'
    groupId: 'namespace'
    zone: 'privatelink.servicebus.windows.net'
  }
  {
    name: 'blob'
    groupId: 'blob'
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    name: 'table'
    groupId: 'table'
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    name: 'vault'
    groupId: 'vault'
    zone: 'privatelink.vaultcore.azure.net'
  }
  {
    name: 'redis'
    groupId: 'redisEnterprise'
    zone: 'privatelink.redis.azure.net'
  }
]
var privateEndpointTargets = {
  servicebus: serviceBus.outputs.resourceId
  blob: storage.outputs.resourceId
  table: storage.outputs.resourceId
  vault: keyVault.outputs.resourceId
  redis: redis.outputs.resourceId
}

// Resource and container names must be lower case.
var groups = [
  for group in workerGroups: {
    name: toLower(group.name)
    serviceName: 'processor-${toLower(group.name)}'
    appName: '${abbrs.webSitesFunctions}${toLower(group.name)}-${resourceToken}'
    subnetName: 'app-${toLower(group.name)}'
    planName: '${abbrs.webServerFarms}${toLower(group.name)}-${resourceToken}'
    deploymentContainerName: 'app-package-${toLower(group.name)}-${take(resourceToken, 7)}'
    queues: group.queues
    concurrency: group.concurrency
    prefetchMultiplier: group.?prefetchMultiplier ?? prefetchMultiplier
    instanceMemoryMB: group.?instanceMemoryMB ?? instanceMemoryMB
    maximumInstanceCount: group.?maximumInstanceCount ?? maximumInstanceCount
  }
]

var appPrincipals = [
  {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
  }
]
var userPrincipals = empty(principalId)
  ? []
  : [
      {
        principalId: principalId
        principalType: principalType
      }
    ]

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module serviceBus 'core/messaging/service-bus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: serviceBusNamespaceName
    location: location
    tags: tags
    skuName: effectiveServiceBusSkuName
    premiumMessagingUnits: serviceBusPremiumMessagingUnits
    publicNetworkAccess: publicNetworkAccess
    queueNames: serviceBusQueueNames
    lockDuration: queueLockDuration
    maxDeliveryCount: queueMaxDeliveryCount
    duplicateDetectionHistoryTimeWindow: queueDuplicateDetectionWindow
    defaultMessageTimeToLive: queueDefaultMessageTimeToLive
  }
}

module redis 'core/database/redis-enterprise.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    name: redisName
    location: location
    tags: tags
    skuName: redisSkuName
    highAvailability: redisHighAvailability
    publicNetworkAccess: publicNetworkAccess
    accessPrincipalIds: map(concat(appPrincipals, userPrincipals), p => p.principalId)
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    skuName: storageSkuName
    publicNetworkAccess: publicNetworkAccess
    containerNames: concat(map(groups, g => g.deploymentContainerName), [
      reportsContainerName
      archiveContainerName
    ])
    archivesContainerName: archiveContainerName
    archiveCoolAfterDays: archiveCoolAfterDays
    archiveArchiveAfterDays: archiveArchiveAfterDays
    archiveDeleteAfterDays: archiveDeleteAfterDays
  }
}

module serviceBusAccess 'app/servicebus-access.bicep' = {
  name: 'serviceBusAccess'
  scope: rg
  params: {
    serviceBusName: serviceBusNamespaceName
    roleDefinitionIds: [
      serviceBusDataReceiverRoleId
      serviceBusDataSenderRoleId
    ]
    principals: concat(appPrincipals, userPrincipals)
  }
  dependsOn: [
    serviceBus
  ]
}

module storageAccess 'app/storage-access.bicep' = {
  name: 'storageAccess'
  scope: rg
  params: {
    storageAccountName: storageAccountName
    // Blob Data Contributor: the host's keys and locks, the deployment package, the tasks' reports and
    // archives (read, write, delete blobs; create containers). Table Data Contributor: the host's
    // diagnostic events. Owner would add only ACL and ownership management nobody here uses.
    roleDefinitionIds: [
      storageBlobDataContributorRoleId
      storageTableDataContributorRoleId
    ]
    principals: concat(appPrincipals, userPrincipals)
  }
  dependsOn: [
    storage
  ]
}

module appInsightsAccess 'app/appinsights-access.bicep' = {
  name: 'appInsightsAccess'
  scope: rg
  params: {
    applicationInsightsName: applicationInsightsName
    roleDefinitionIds: [
      monitoringMetricsPublisherRoleId
    ]
    principals: appPrincipals
  }
  dependsOn: [
    monitoring
  ]
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    publicNetworkAccess: publicNetworkAccess
  }
}

// Only the apps read the secrets (the references resolve as their identity); the deploying user
// writes them through this deployment, which needs no data role.
module keyVaultAccess 'app/keyvault-access.bicep' = {
  name: 'keyVaultAccess'
  scope: rg
  params: {
    keyVaultName: keyVaultName
    roleDefinitionIds: [
      keyVaultSecretsUserRoleId
    ]
    principals: appPrincipals
  }
  dependsOn: [
    keyVault
  ]
}

module afirgenSecrets 'app/afirgen-secrets.bicep' = {
  name: 'afirgenSecrets'
  scope: rg
  params: {
    keyVaultName: keyVaultName
    databaseConnectionStringSecretName: databaseConnectionStringSecretName
    databaseConnectionString: afirgenDatabaseConnectionString
    smtpPasswordSecretName: smtpPasswordSecretName
    smtpPassword: smtpPassword
  }
  dependsOn: [
    keyVault
  ]
}

module natGateway 'core/networking/nat-gateway.bicep' = if (enablePrivateNetworking) {
  name: 'natGateway'
  scope: rg
  params: {
    name: natGatewayName
    location: location
    tags: tags
  }
}

module network 'core/networking/virtual-network.bicep' = if (enablePrivateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: virtualNetworkName
    location: location
    tags: tags
    addressPrefix: virtualNetworkAddressPrefix
    appSubnetNames: map(groups, g => g.subnetName)
    natGatewayId: natGateway!.outputs.resourceId
  }
}

module privateDnsZones 'core/networking/private-dns-zone.bicep' = [
  for service in privateEndpointServices: if (enablePrivateNetworking) {
    name: 'privateDnsZone-${service.name}'
    scope: rg
    params: {
      name: service.zone
      tags: tags
      virtualNetworkId: network!.outputs.resourceId
    }
  }
]

module privateEndpoints 'core/networking/private-endpoint.bicep' = [
  for (service, i) in privateEndpointServices: if (enablePrivateNetworking) {
    name: 'privateEndpoint-${service.name}'
    scope: rg
    params: {
      name: '${abbrs.networkPrivateEndpoints}${service.name}-${resourceToken}'
      location: location
      tags: tags
      subnetId: network!.outputs.privateEndpointSubnetId
      targetResourceId: privateEndpointTargets[service.name]
      groupId: service.groupId
      privateDnsZoneId: privateDnsZones[i]!.outputs.resourceId
    }
  }
]

module processors 'app/processor.bicep' = [
  for (group, i) in groups: {
    name: group.serviceName
    scope: rg
    params: {
      name: group.appName
      planName: group.planName
      location: location
      tags: tags
      serviceName: group.serviceName
      identityId: identity.outputs.resourceId
      identityClientId: identity.outputs.clientId
      storageAccountName: storage.outputs.name
      blobEndpoint: storage.outputs.blobEndpoint
      deploymentContainerName: group.deploymentContainerName
      reportsContainerName: reportsContainerName
      archiveContainerName: archiveContainerName
      // A reference only for a secret that exists: without it the app names the missing setting at start-up.
      databaseConnectionStringSecretUri: empty(afirgenDatabaseConnectionString)
        ? ''
        : '${keyVault.outputs.uri}secrets/${databaseConnectionStringSecretName}'
      smtpPasswordSecretUri: empty(smtpPassword) ? '' : '${keyVault.outputs.uri}secrets/${smtpPasswordSecretName}'
      smtpHost: smtpHost
      smtpPort: smtpPort
      smtpSecurity: smtpSecurity
      smtpFrom: smtpFrom
      smtpUserName: smtpUserName
      serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      redisHostName: redis.outputs.hostName
      redisPort: redis.outputs.port
      applicationInsightsConnectionString: monitoring.outputs.connectionString
      queues: group.queues
      concurrency: group.concurrency
      prefetchMultiplier: group.prefetchMultiplier
      cleanupSchedule: cleanupSchedule
      instanceMemoryMB: group.instanceMemoryMB
      maximumInstanceCount: group.maximumInstanceCount
      virtualNetworkSubnetId: enablePrivateNetworking ? network!.outputs.appSubnetIds[i] : ''
    }
    // The apps start receiving as soon as they exist: let their roles land first, and their secrets
    // exist, since Key Vault references resolve when an app starts.
    dependsOn: [
      serviceBusAccess
      storageAccess
      appInsightsAccess
      keyVaultAccess
      afirgenSecrets
      // With private networking, an app that starts before its endpoints exist cannot reach anything.
      privateEndpoints
    ]
  }
]

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding everything.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('The first worker group\'s function app (what single-app azd tooling expects).')
output AZURE_FUNCTION_NAME string = processors[0].outputs.name

@description('All function app names, comma-separated, in workerGroups order.')
output AZURE_FUNCTION_APP_NAMES string = join(map(groups, g => g.appName), ',')

@description('Worker groups as deployed: azd service name, function app name and address.')
output WORKER_GROUPS workerGroupOutput[] = [
  for (group, i) in groups: {
    group: group.name
    serviceName: group.serviceName
    functionAppName: processors[i].outputs.name
    uri: processors[i].outputs.uri
    queues: group.queues
  }
]

@description('Client id of the identity the apps run as.')
output AZURE_CLIENT_ID string = identity.outputs.clientId

@description('Service Bus namespace host name (for producers and ServiceBusConnection__fullyQualifiedNamespace).')
output SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace

@description('Service Bus queue names.')
output SERVICE_BUS_QUEUE_NAMES string[] = serviceBus.outputs.queueNames

@description('Redis host name (TLS port 10000, Entra ID auth).')
output REDIS_HOST_NAME string = redis.outputs.hostName

@description('Storage account name.')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob service endpoint.')
output STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Key Vault holding AFIRGen\'s secrets (the apps read them as Key Vault references).')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('Key Vault URI.')
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri

@description('With private networking: the one public IP the apps\' outbound connections come from (allow it in AFIRGen\'s MySQL firewall); empty without.')
output OUTBOUND_IP_ADDRESS string = enablePrivateNetworking ? natGateway!.outputs.ipAddress : ''

@description('With private networking: the virtual network\'s name; empty without.')
output AZURE_VIRTUAL_NETWORK_NAME string = enablePrivateNetworking ? network!.outputs.name : ''

@description('Application Insights connection string (not a secret; local auth is disabled).')
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString

@description('A deployed worker group.')
type workerGroupOutput = {
  @description('Worker group name.')
  group: string

  @description('azd service name.')
  serviceName: string

  @description('Function app name.')
  functionAppName: string

  @description('Function app address.')
  uri: string

  @description('Queues it runs.')
  queues: string[]
}
