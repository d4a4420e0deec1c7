// Storage account for the Functions host (AzureWebJobsStorage), deployment packages, report files
// and archives. Shared-key access and anonymous blob access are off: everything goes through Entra ID.

@description('Name of the storage account (3-24 lower-case letters and digits).')
param name string

@description('Azure region of the account.')
param location string

@description('Tags applied to the account.')
param tags { *: string } = {}

@description('Replication SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Enabled: reachable from the internet (with Entra ID). Disabled: only through private endpoints (private networking).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Blob containers to create (deployment packages, reports, archives).')
param containerNames string[]

@description('Container whose blobs the lifecycle rule moves to cooler tiers.')
param archivesContainerName string

@description('Days after the last write before an archive blob moves to the Cool tier.')
@minValue(1)
param archiveCoolAfterDays int = 30

@description('Days after the last write before an archive blob moves to the Archive tier (0 = never).')
@minValue(0)
param archiveArchiveAfterDays int = 180

@description('Days after the last write before an archive blob is deleted (0 = keep forever).')
@minValue(0)
param archiveDeleteAfterDays int = 0

var coolAction = {
  tierToCool: {
    daysAfterModificationGreaterThan: archiveCoolAfterDays
  }
}
var archiveAction = archiveArchiveAfterDays > 0
  ? {
      tierToArchive: {
        daysAfterModificationGreaterThan: archiveArchiveAfterDays
      }
    }
  : {}
var deleteAction = archiveDeleteAfterDays > 0
  ? {
      delete: {
        daysAfterModificationGreaterThan: archiveDeleteAfterDays
      }
    }
  : {}

resource account 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-06-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'archives-to-cooler-tiers'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${archivesContainerName}/'
              ]
            }
            actions: {
              baseBlob: union(coolAction, archiveAction, deleteAction)
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    containers
  ]
}

@description('Name of the storage account.')
output name string = account.name

@description('Resource id of the storage account.')
output resourceId string = account.id

@description('Blob service endpoint, e.g. https://<account>.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob
