// Service Bus namespace with SAS (local) authentication disabled, and one queue per task queue and per
// priority lane (<queue>-high). Every queue dead-letters on expiry and detects duplicates by message id.

@description('Name of the namespace.')
param name string

@description('Azure region of the namespace.')
param location string

@description('Tags applied to the namespace.')
param tags { *: string } = {}

@description('Namespace tier. Premium gives dedicated capacity, larger messages and private networking.')
@allowed([
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

@description('Messaging units when skuName is Premium (ignored for Standard).')
@allowed([
  1
  2
  4
  8
  16
])
param premiumMessagingUnits int = 1

@description('Enabled: reachable from the internet (with Entra ID). Disabled: only through private endpoints, which need the Premium tier.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Queue names, lanes included, in the routing configuration\'s order.')
param queueNames string[]

@description('How long a receiver holds the peek-lock on a message (ISO 8601). The app renews it while a task runs.')
param lockDuration string = 'PT5M'

@description('Deliveries after which Service Bus dead-letters a message.')
@minValue(1)
@maxValue(2000)
param maxDeliveryCount int = 10

@description('Time a message id is remembered for duplicate detection (ISO 8601).')
param duplicateDetectionHistoryTimeWindow string = 'PT10M'

@description('Time to live of a message that no one receives (ISO 8601); on expiry it goes to the dead-letter queue.')
param defaultMessageTimeToLive string = 'P14D'

@description('Maximum queue size in megabytes.')
param maxSizeInMegabytes int = 1024

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: skuName == 'Premium' ? premiumMessagingUnits : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      lockDuration: lockDuration
      maxDeliveryCount: maxDeliveryCount
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionHistoryTimeWindow
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: defaultMessageTimeToLive
      requiresSession: false
      enablePartitioning: false
      maxSizeInMegabytes: maxSizeInMegabytes
    }
  }
]

@description('Name of the namespace.')
output name string = namespace.name

@description('Resource id of the namespace.')
output resourceId string = namespace.id

@description('Fully qualified host name of the namespace (what ServiceBusConnection__fullyQualifiedNamespace carries).')
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]

@description('Names of the queues created.')
output queueNames string[] = [for (queueName, i) in queueNames: queues[i].name]
