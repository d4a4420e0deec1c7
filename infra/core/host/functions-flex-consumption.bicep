// A function app on a Flex Consumption plan that runs as a user-assigned identity, pulls its
// deployment package from a blob container with that identity, and takes its app settings as given.
// Flex Consumption sets the runtime in functionAppConfig.runtime: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must not be app settings here. Basic (user name and password) publishing
// is off for both SCM and FTP: deployments authenticate with Entra ID (azd does), so no publishing
// password exists to leak. Given a subnet, the app is integrated into that virtual network.

@description('Name of the function app.')
param name string

@description('Azure region of the app.')
param location string

@description('Tags applied to the app (include azd-service-name so that azd deploy finds it).')
param tags { *: string } = {}

@description('Resource id of the Flex Consumption plan.')
param appServicePlanId string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Blob service endpoint of the storage account holding the deployment container (ends with /).')
param deploymentBlobEndpoint string

@description('Name of the blob container azd uploads the deployment package to.')
param deploymentContainerName string

@description('Worker runtime name.')
@allowed([
  'dotnet-isolated'
])
param runtimeName string = 'dotnet-isolated'

@description('Worker runtime version.')
@allowed([
  '8.0'
  '9.0'
  '10.0'
])
param runtimeVersion string = '10.0'

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the platform scales the app out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('App settings (environment variables) of the app; no secrets.')
param appSettings { *: string }

@description('Resource id of the subnet (delegated to Microsoft.App/environments) the app is integrated into; empty: no virtual network integration.')
param virtualNetworkSubnetId string = ''

var integrated = !empty(virtualNetworkSubnetId)

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: integrated ? virtualNetworkSubnetId : null
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // All outbound traffic through the virtual network, as App Service asks of Linux apps that reach
      // private endpoints (Key Vault references to a vault without public access included).
      vnetRouteAllEnabled: integrated
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${deploymentBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  resource scmBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpBasicAuth 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Resource id of the function app.')
output resourceId string = functionApp.id

@description('HTTPS base address of the function app.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
