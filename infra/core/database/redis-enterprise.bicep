// Azure Managed Redis (Microsoft.Cache/redisEnterprise) holding task results in Celery's format.
// Access keys are disabled: clients authenticate with Entra ID through access policy assignments.
// TLS only (clientProtocol Encrypted, port 10000). EnterpriseCluster policy gives one endpoint that
// non-cluster clients (Celery's redis-py, StackExchange.Redis without cluster mode) can use.

@description('Name of the Redis cluster.')
param name string

@description('Azure region of the cluster.')
param location string

@description('Tags applied to the cluster.')
param tags { *: string } = {}

@description('Azure Managed Redis SKU, e.g. Balanced_B0 (smallest), Balanced_B1, MemoryOptimized_M10.')
param skuName string = 'Balanced_B0'

@description('Whether the cluster keeps a replica (doubles the price; off is fine for results that expire within a day).')
@allowed([
  'Enabled'
  'Disabled'
])
param highAvailability string = 'Disabled'

@description('What Redis does when memory is full. NoEviction makes writes fail loudly instead of dropping results.')
@allowed([
  'AllKeysLFU'
  'AllKeysLRU'
  'AllKeysRandom'
  'VolatileLRU'
  'VolatileLFU'
  'VolatileTTL'
  'VolatileRandom'
  'NoEviction'
])
param evictionPolicy string = 'NoEviction'

@description('Enabled: reachable from the internet (with Entra ID). Disabled: only through private endpoints (private networking).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Principals (object ids) granted the default data access policy.')
param accessPrincipalIds string[]

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: highAvailability
    publicNetworkAccess: publicNetworkAccess
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    clusteringPolicy: 'EnterpriseCluster'
    evictionPolicy: evictionPolicy
    accessKeysAuthentication: 'Disabled'
  }
}

resource accessPolicyAssignments 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = [
  for principalId in accessPrincipalIds: {
    parent: database
    // Assignment names must be alphanumeric.
    name: take('a${uniqueString(database.id, principalId)}', 60)
    properties: {
      accessPolicyName: 'default'
      user: {
        objectId: principalId
      }
    }
  }
]

@description('Name of the Redis cluster.')
output name string = cluster.name

@description('Resource id of the Redis cluster.')
output resourceId string = cluster.id

@description('Host name clients connect to (TLS, port 10000).')
output hostName string = cluster.properties.hostName

@description('TLS port of the database.')
output port int = database.properties.port
